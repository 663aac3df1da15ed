#include "store/ingest_store.h"

#include "store/ingest_effects.h"
#include "store/ingest_snapshot.h"
#include "store/ingest_statements.h"

namespace cf::store {

using ingest::Delivery;
using ingest::DeliveryResult;

namespace {
constexpr int kAttempts = 4;
}  // namespace

IngestStore::IngestStore(pqxx::connection& connection, IngestOptions options)
    : connection_(connection), options_(options) {}

void IngestStore::configure_session(pqxx::connection& connection) {
  // Every ingest statement finds rows by key. Planning each execution cost about a quarter of
  // PostgreSQL's CPU (bench/README.md), so plans are made once per connection; without
  // sequential scans, a plan made while a table is still small keeps using its index as it grows.
  pqxx::nontransaction tx(connection);
  tx.exec0("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off");
  ingest_statements::prepare(tx);
}

std::vector<DeliveryResult> IngestStore::write(const std::vector<const Delivery*>& batch) {
  for (int attempt = 1;; ++attempt) {
    try {
      return write_once(batch);
    } catch (const pqxx::sql_error& e) {
      if (ingest_statements::not_prepared(e)) {
        // The first batch of this session: prepare, then go again.
        pqxx::nontransaction tx(connection_);
        ingest_statements::prepare(tx);
        if (attempt < kAttempts) continue;
      }
      // unique_violation (a lead or delivery stored concurrently), serialization failure, deadlock.
      const std::string state = e.sqlstate();
      if ((state != "23505" && state != "40001" && state != "40P01") || attempt >= kAttempts) throw;
    }
  }
}

std::string IngestStore::sale_setting() const {
  return options_.convert_on_sale ? std::string() : std::string("SET LOCAL clientflow.convert_on_sale = off; ");
}

std::vector<DeliveryResult> IngestStore::write_once(const std::vector<const Delivery*>& batch) {
  // The transaction is opened and committed by the statements themselves (two round trips), so
  // libpqxx sees a nontransaction; any failure on the way rolls it back here.
  pqxx::nontransaction tx(connection_);
  try {
    return write_in(tx, batch);
  } catch (...) {
    try {
      tx.exec0("ROLLBACK");
    } catch (const std::exception&) {
      // The connection is gone; so is the transaction.
    }
    throw;
  }
}

std::vector<DeliveryResult> IngestStore::write_in(pqxx::transaction_base& tx, const std::vector<const Delivery*>& batch) {
  // "BEGIN; lock; read", the rule fingerprints to claim (only with rule webhooks), "write; COMMIT".
  ingest::BatchSnapshot snapshot = read_snapshot(tx, ingest::snapshot_request(batch), true, options_.erasure_key);
  const ingest::Admission admission = ingest::admit(batch, snapshot.tenant_of_token);
  const std::set<std::string> claimed = claim_rule_fingerprints(tx, admission.fingerprints_to_claim);
  ingest::IngestPlan plan =
      ingest::plan_batch(batch, admission, claimed, std::move(snapshot), options_.max_clock_skew_ms);
  const std::string sql = write_plan_statements(tx, plan);
  tx.exec0(sql.empty() ? "COMMIT" : sale_setting() + sql + "; COMMIT");
  return std::move(plan.results);
}

DeliveryResult IngestStore::keep_refused(const Delivery& delivery, const std::string& why) {
  Delivery kept;
  kept.source = delivery.source;
  kept.dedup_key = delivery.dedup_key;
  kept.event_type = ingest::account_event_type(delivery.event_type);
  kept.rule_token = delivery.rule_token;
  kept.body = delivery.body;
  kept.received_at = delivery.received_at;
  kept.parsed.status = ingest::ParseStatus::malformed;
  std::string detail = "could not be applied: " + why;
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  for (char& c : detail) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) c = '?';
  }
  kept.parsed.reason = detail;
  return write({&kept}).front();
}

ReplayPage IngestStore::replay(const std::string& status, long long after_id, int limit) {
  pqxx::work tx(connection_);
  ingest_statements::prepare(tx);
  auto page = replay_stored(tx, read_unrouted(tx, status, after_id, limit, options_.parse));
  tx.commit();
  return page;
}

ReplayPage IngestStore::replay_ids(pqxx::work& tx, const std::vector<long long>& ids) {
  ingest_statements::prepare(tx);
  return replay_stored(tx, read_unrouted_ids(tx, ids, options_.parse));
}

ReplayPage IngestStore::replay_stored(pqxx::work& tx, const std::vector<ingest::StoredDelivery>& stored) {
  ReplayPage page;
  if (stored.empty()) return page;
  ingest::Batch batch;
  std::set<std::string> rule_tenants;
  for (const auto& s : stored) {
    batch.push_back(&s.delivery);
    if (!s.rule_tenant_id.empty()) rule_tenants.insert(s.rule_tenant_id);
  }
  ingest::BatchSnapshot snapshot = read_snapshot(tx, ingest::snapshot_request(batch, rule_tenants), false, options_.erasure_key);
  const ingest::ReplayPlan plan = ingest::plan_replay(stored, std::move(snapshot.view), options_.max_clock_skew_ms);
  if (!options_.convert_on_sale) tx.exec0(sale_setting());
  write_replay(tx, plan);
  page.changes = plan.changes;
  page.examined = static_cast<int>(stored.size());
  page.last_id = stored.back().id;
  return page;
}

}  // namespace cf::store
