#include "store/retention.h"

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
    for (;;) {
      pqxx::work tx(connection);
      const auto dropped = tx.exec_params(
          "UPDATE webhook_events SET body = NULL WHERE id IN (SELECT id FROM webhook_events "
          "WHERE body IS NOT NULL AND received_at < now() - make_interval(days => $1) LIMIT $2)",
          raw_body_days, kBatch);
      tx.commit();
      report.bodies_dropped += dropped.affected_rows();
      if (dropped.affected_rows() < static_cast<pqxx::result::size_type>(kBatch)) break;
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
