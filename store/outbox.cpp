#include "store/outbox.h"

#include <nlohmann/json.hpp>

namespace cf::store {

std::optional<SyncJob> OutboxStore::claim(const std::string& worker, int lease_seconds) {
  pqxx::work tx(connection_);
  const auto rows = tx.exec_params(
      "WITH next AS (SELECT tenant_id, id FROM outbox_jobs "
      "WHERE done_at IS NULL AND failed_at IS NULL AND run_after <= now() "
      "AND (leased_until IS NULL OR leased_until < now()) ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED) "
      "UPDATE outbox_jobs o SET leased_until = now() + make_interval(secs => $2), leased_by = $1, "
      "attempts = o.attempts + 1 FROM next WHERE o.tenant_id = next.tenant_id AND o.id = next.id "
      "RETURNING o.tenant_id::text, o.id, o.attempts, o.lead_id::text",
      worker, lease_seconds);
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
