#include "store/outbox.h"

#include <nlohmann/json.hpp>

namespace cf::store {

namespace {

// Tenants in turn, then that tenant's oldest due job. `waiting` lists the tenants with waiting
// jobs by a skip scan of outbox_jobs_waiting_by_tenant (one index probe per tenant, however many
// jobs wait); `in_turn` orders them, the one served longest ago (or never) first, materialized so
// that the nested loop below walks it in that order and stops at the first tenant with a due job
// nobody holds: only that one row is locked (SKIP LOCKED: another daemon's claim in flight is
// passed over). The chosen tenant's turn is recorded in the same statement.
constexpr const char* kClaim = R"sql(
WITH RECURSIVE waiting (tenant_id) AS (
  (SELECT tenant_id FROM outbox_jobs WHERE done_at IS NULL AND failed_at IS NULL ORDER BY tenant_id LIMIT 1)
  UNION ALL
  SELECT (SELECT o.tenant_id FROM outbox_jobs o
           WHERE o.done_at IS NULL AND o.failed_at IS NULL AND o.tenant_id > w.tenant_id
           ORDER BY o.tenant_id LIMIT 1)
    FROM waiting w WHERE w.tenant_id IS NOT NULL
),
in_turn AS MATERIALIZED (
  SELECT w.tenant_id FROM waiting w LEFT JOIN outbox_turns t ON t.tenant_id = w.tenant_id
   WHERE w.tenant_id IS NOT NULL
   ORDER BY t.served_at NULLS FIRST, w.tenant_id
),
next AS (
  SELECT j.tenant_id, j.id FROM in_turn w
   CROSS JOIN LATERAL (
     SELECT o.tenant_id, o.id FROM outbox_jobs o
      WHERE o.tenant_id = w.tenant_id AND o.done_at IS NULL AND o.failed_at IS NULL AND o.run_after <= now()
        AND (o.leased_until IS NULL OR o.leased_until < now())
      ORDER BY o.run_after, o.id LIMIT 1 FOR UPDATE SKIP LOCKED) j
   LIMIT 1
),
turn AS (
  INSERT INTO outbox_turns (tenant_id, served_at) SELECT tenant_id, clock_timestamp() FROM next
  ON CONFLICT (tenant_id) DO UPDATE SET served_at = excluded.served_at
)
UPDATE outbox_jobs o SET leased_until = now() + make_interval(secs => $2), leased_by = $1, attempts = o.attempts + 1
  FROM next WHERE o.tenant_id = next.tenant_id AND o.id = next.id
RETURNING o.tenant_id::text, o.id, o.attempts, o.lead_id::text)sql";

}  // namespace

std::optional<SyncJob> OutboxStore::claim(const std::string& worker, int lease_seconds) {
  pqxx::work tx(connection_);
  const auto rows = tx.exec_params(kClaim, worker, lease_seconds);
  if (rows.empty()) return std::nullopt;
  SyncJob job;
  job.tenant_id = rows[0][0].as<std::string>();
  job.id = rows[0][1].as<long long>();
  job.attempts = rows[0][2].as<int>();
  job.lead_id = rows[0][3].as<std::string>();
  const auto lead = tx.exec_params(
      "SELECT t.prefix, l.email, coalesce(l.name, ''), coalesce(l.phone, ''), coalesce(l.ib_type, ''), "
      "coalesce(l.monthly_leads, '') FROM leads l JOIN tenants t ON t.id = l.tenant_id "
      "WHERE l.tenant_id = $1::uuid AND l.id = $2::uuid",
      job.tenant_id, job.lead_id);
  if (lead.empty()) {
    // The lead is gone: nothing to sync.
    tx.exec_params("UPDATE outbox_jobs SET done_at = now(), last_error = 'lead no longer exists' "
                   "WHERE tenant_id = $1::uuid AND id = $2",
                   job.tenant_id, job.id);
    tx.commit();
    return claim(worker, lease_seconds);
  }
  job.prefix = lead[0][0].as<std::string>();
  job.email = lead[0][1].as<std::string>();
  job.name = lead[0][2].as<std::string>();
  job.phone = lead[0][3].as<std::string>();
  job.ib_type = lead[0][4].as<std::string>();
  job.monthly_leads = lead[0][5].as<std::string>();
  tx.commit();
  return job;
}

void OutboxStore::complete(const SyncJob& job, const std::string& worker, long long contact_id,
                           const std::vector<std::string>& tags) {
  pqxx::work tx(connection_);
  // Tags the capture applied join the lead's own tags, unless a webhook has already said
  // something about them (its event time then decides, as in ingest).
  tx.exec_params(
      "UPDATE leads SET systeme_contact_id = $3, synced_at = now(), sync_error = NULL, updated_at = now(), "
      "tags = ARRAY(SELECT DISTINCT t FROM unnest(tags || ARRAY(SELECT x FROM json_array_elements_text($4::json) x "
      "WHERE NOT tag_clock ? x)) t), "
      "tag_clock = tag_clock || coalesce((SELECT jsonb_object_agg(x, (extract(epoch FROM now()) * 1000)::bigint) "
      "FROM json_array_elements_text($4::json) x WHERE NOT tag_clock ? x), '{}') "
      "WHERE tenant_id = $1::uuid AND id = $2::uuid",
      job.tenant_id, job.lead_id, contact_id, nlohmann::json(tags).dump());
  tx.exec_params("UPDATE outbox_jobs SET done_at = now(), leased_until = NULL, last_error = NULL "
                 "WHERE tenant_id = $1::uuid AND id = $2 AND leased_by = $3",
                 job.tenant_id, job.id, worker);
  tx.commit();
}

void OutboxStore::retry(const SyncJob& job, const std::string& worker, int delay_seconds, const std::string& error) {
  pqxx::work tx(connection_);
  tx.exec_params("UPDATE outbox_jobs SET run_after = now() + make_interval(secs => $4), leased_until = NULL, "
                 "last_error = $5 WHERE tenant_id = $1::uuid AND id = $2 AND leased_by = $3",
                 job.tenant_id, job.id, worker, delay_seconds, error);
  tx.exec_params("UPDATE leads SET sync_error = $3 WHERE tenant_id = $1::uuid AND id = $2::uuid", job.tenant_id,
                 job.lead_id, error);
  tx.commit();
}

void OutboxStore::fail(const SyncJob& job, const std::string& worker, const std::string& error) {
  pqxx::work tx(connection_);
  tx.exec_params("UPDATE outbox_jobs SET failed_at = now(), leased_until = NULL, last_error = $4 "
                 "WHERE tenant_id = $1::uuid AND id = $2 AND leased_by = $3",
                 job.tenant_id, job.id, worker, error);
  tx.exec_params("UPDATE leads SET sync_error = $3 WHERE tenant_id = $1::uuid AND id = $2::uuid", job.tenant_id,
                 job.lead_id, error);
  tx.commit();
}

std::pair<long long, double> OutboxStore::backlog() {
  pqxx::read_transaction tx(connection_);
  const auto row = tx.exec1(
      "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM outbox_jobs "
      "WHERE done_at IS NULL AND failed_at IS NULL");
  return {row[0].as<long long>(), row[1].as<double>()};
}

}  // namespace cf::store
