#include "store/retention.h"

#include "store/queries.h"
#include "store/statements.h"

namespace cf::store {

namespace {
constexpr long long kPruneLock = 0x63667072756e6521LL;  // "cfprune!"
constexpr int kBatch = 5000;
}  // namespace

PruneReport prune(pqxx::connection& connection, int raw_body_days) {
  PruneReport report;
  {
    pqxx::nontransaction session(connection);
    if (!session.exec_params1("SELECT pg_try_advisory_lock($1)", kPruneLock)[0].as<bool>()) {
      report.skipped = true;
      return report;
    }
  }
  try {
    // Deliveries are numbered in arrival order, so walk the primary key from where the last pass
    // stopped and stop at the first delivery still inside the retention period.
    for (bool more = true; more;) {
      pqxx::work tx(connection);
      const long long from = tx.exec1("SELECT bodies_dropped_upto FROM retention_state FOR UPDATE")[0].as<long long>();
      const auto rows = exec_statement(tx, sql::retention_deliveries_after, raw_body_days, from, kBatch);
      long long upto = from;
      more = rows.size() == static_cast<pqxx::result::size_type>(kBatch);
      for (const auto& row : rows) {
        if (!row[1].as<bool>()) {
          more = false;
          break;
        }
        upto = row[0].as<long long>();
      }
      if (upto == from) break;
      report.bodies_dropped += tx.exec_params(
          "UPDATE webhook_events SET body = NULL WHERE id > $1 AND id <= $2 AND body IS NOT NULL", from, upto)
          .affected_rows();
      tx.exec_params("UPDATE retention_state SET bodies_dropped_upto = $1", upto);
      tx.commit();
    }
    pqxx::work tx(connection);
    report.fingerprints_deleted =
        tx.exec("DELETE FROM rule_deliveries_seen WHERE seen_at < now() - interval '1 hour'").affected_rows();
    tx.commit();
  } catch (...) {
    pqxx::nontransaction session(connection);
    session.exec_params("SELECT pg_advisory_unlock($1)", kPruneLock);
    throw;
  }
  pqxx::nontransaction session(connection);
  session.exec_params("SELECT pg_advisory_unlock($1)", kPruneLock);
  return report;
}

}  // namespace cf::store
