#include "store/outbox.h"

#include <nlohmann/json.hpp>

#include "store/queries.h"
#include "store/statements.h"

namespace cf::store {

std::optional<SyncJob> OutboxStore::claim(const std::string& worker, int lease_seconds) {
  pqxx::work tx(connection_);
  const auto rows = exec_statement(tx, sql::outbox_claim, worker, lease_seconds);
  if (rows.empty()) return std::nullopt;
  SyncJob job;
  job.tenant_id = rows[0][0].as<std::string>();
  job.id = rows[0][1].as<long long>();
  job.attempts = rows[0][2].as<int>();
  job.lead_id = rows[0][3].as<std::string>();
  const std::string kind = rows[0][4].as<std::string>();
  if (kind != "sync_lead") {
    job.kind = kind == "delete_contact" ? JobKind::delete_contact : JobKind::erase_contact;
    if (!rows[0][5].is_null()) job.contact_id = rows[0][5].as<long long>();
    job.prefix = exec_statement1(tx, sql::outbox_tenant_prefix, job.tenant_id, job.id)[0].as<std::string>();
    tx.commit();
    return job;
  }
  const auto lead = exec_statement(tx, sql::outbox_lead_to_sync, job.tenant_id, job.lead_id);
  if (lead.empty()) {
    // The lead is gone: nothing to sync.
    exec_statement(tx, sql::outbox_drop_job_of_missing_lead, job.tenant_id, job.id);
    tx.commit();
    return claim(worker, lease_seconds);
  }
  job.prefix = lead[0][0].as<std::string>();
  job.email = lead[0][1].as<std::string>();
  job.name = lead[0][2].as<std::string>();
  job.phone = lead[0][3].as<std::string>();
  job.ib_type = lead[0][4].as<std::string>();
  job.monthly_leads = lead[0][5].as<std::string>();
  job.captured = lead[0][6].as<bool>();
  job.converted_tag = lead[0][7].as<std::string>();
  tx.commit();
  return job;
}

void OutboxStore::complete(const SyncJob& job, const std::string& worker, long long contact_id,
                           const std::vector<std::string>& tags) {
  pqxx::work tx(connection_);
  // Tags the capture applied join the lead's own tags, unless a webhook has already said
  // something about them (its event time then decides, as in ingest).
  if (job.kind == JobKind::sync_lead) {
    if (job.captured) {
      exec_statement(tx, sql::outbox_mark_lead_synced, job.tenant_id, job.lead_id, contact_id, nlohmann::json(tags).dump());
    }
    if (!job.converted_tag.empty()) {
      exec_statement(tx, sql::outbox_mark_converted_tag, job.tenant_id, job.lead_id, job.prefix + "converted",
                     job.converted_tag == "wanted", contact_id);
    }
    // The lead was erased while this sync ran: what the sync just wrote to the contact (or the
    // contact it created, unknown to the erasure) is taken off again. Here, where every sync
    // ends, whichever daemon ran it and whatever erased the lead.
    if (contact_id != 0) exec_statement(tx, sql::outbox_erase_after_sync, job.tenant_id, job.lead_id, contact_id, job.email);
  }
  exec_statement(tx, sql::outbox_complete_job, job.tenant_id, job.id, worker);
  tx.commit();
}

void OutboxStore::retry(const SyncJob& job, const std::string& worker, int delay_seconds, const std::string& error,
                        long long contact_id) {
  pqxx::work tx(connection_);
  exec_statement(tx, sql::outbox_retry_job, job.tenant_id, job.id, worker, delay_seconds, error, contact_id);
  end_unfinished_sync(tx, job, error, contact_id);
  tx.commit();
}

void OutboxStore::fail(const SyncJob& job, const std::string& worker, const std::string& error, long long contact_id) {
  pqxx::work tx(connection_);
  exec_statement(tx, sql::outbox_fail_job, job.tenant_id, job.id, worker, error, contact_id);
  end_unfinished_sync(tx, job, error, contact_id);
  tx.commit();
}

void OutboxStore::end_unfinished_sync(pqxx::work& tx, const SyncJob& job, const std::string& error, long long contact_id) {
  exec_statement(tx, sql::outbox_record_sync_error, job.tenant_id, job.lead_id, error);
  // As in complete(): the contact this sync created or wrote to before failing, when its lead
  // was erased meanwhile (its job row went with it), gets an erase_contact job of its own.
  if (job.kind == JobKind::sync_lead && contact_id != 0) {
    exec_statement(tx, sql::outbox_erase_after_sync, job.tenant_id, job.lead_id, contact_id, job.email);
  }
}

std::pair<long long, double> OutboxStore::backlog() {
  pqxx::read_transaction tx(connection_);
  const auto row = tx.exec1(std::string(sql::outbox_backlog));
  return {row[0].as<long long>(), row[1].as<double>()};
}

}  // namespace cf::store
