// OutboxStore: the queue of Systeme.io syncs, in PostgreSQL so a restart loses nothing. A job is
// claimed with a lease (a time, not a row lock held across HTTP calls): a crashed daemon's jobs
// come back when their lease runs out, and with several daemons each job runs in one at a time.
// System role; uses the connection it is given, from one thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace cf::store {

// The kinds of outbox_jobs.kind: a lead to sync, or (sql/011) a Systeme.io contact to erase the
// tenant from, or to delete.
enum class JobKind { sync_lead, erase_contact, delete_contact };

struct SyncJob {
  std::string tenant_id;
  long long id = 0;
  int attempts = 0;  // including this one
  JobKind kind = JobKind::sync_lead;
  std::optional<long long> contact_id;  // contact jobs: the contact (never the email)
  std::string prefix;
  std::string lead_id, email, name, phone, ib_type, monthly_leads;  // sync_lead: the lead to send
  bool captured = true;       // captured through the API (else made by webhooks: no contact to create)
  std::string converted_tag;  // the relay's own <prefix>converted: "wanted", "unwanted" or "" (leave it)
};

class OutboxStore {
 public:
  explicit OutboxStore(pqxx::connection& connection) : connection_(connection) {}

  // The next due job, leased to `worker` for `lease_seconds`; nullopt when none is due. Tenants
  // take turns (the one whose job was claimed longest ago, or never, goes first), each tenant's
  // oldest due job first, so one tenant's long queue does not delay another's.
  std::optional<SyncJob> claim(const std::string& worker, int lease_seconds);
  // The lead is in Systeme.io as `contact_id` with `tags` applied (and the relay's converted tag
  // as the job wanted it): record it, finish the job (a contact job is only finished). When the
  // lead was erased meanwhile, an erase_contact job for `contact_id` is queued instead.
  void complete(const SyncJob& job, const std::string& worker, long long contact_id, const std::vector<std::string>& tags);
  // Try again after `delay_seconds`; the error is kept on the job and the lead. `contact_id`
  // (0: none yet) is the contact a sync wrote to before it failed: kept on the job, so that
  // erasing the lead takes the tenant's part off that contact too, and an erase_contact job is
  // queued at once when the lead was erased while the sync ran.
  void retry(const SyncJob& job, const std::string& worker, int delay_seconds, const std::string& error,
             long long contact_id = 0);
  // Give up: the job stays, marked failed, for admins; the lead shows the error. `contact_id` as
  // for retry().
  void fail(const SyncJob& job, const std::string& worker, const std::string& error, long long contact_id = 0);
  // Jobs neither done nor failed, and the age of the oldest in seconds.
  std::pair<long long, double> backlog();

 private:
  // The lead's sync error, and the erasure of a contact written to for a lead erased meanwhile.
  void end_unfinished_sync(pqxx::work& tx, const SyncJob& job, const std::string& error, long long contact_id);

  pqxx::connection& connection_;
};

}  // namespace cf::store
