// OutboxAdmin: what admins see and do with the outbox of Systeme.io syncs (GET /admin/outbox,
// `outbox list`, `outbox retry`, `outbox discard`). A job is pending (waiting or running), failed
// (given up after permanent errors, such as a wrong systeme.api_key), discarded (given up on
// purpose by an admin, recorded with who and when, no longer counted as failed) or done. System
// role; uses the connection it is given, from one thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "common/result.h"

namespace cf::store {

struct OutboxJobView {
  long long id = 0;
  std::string tenant_id, prefix, lead_id, email, state;
  int attempts = 0;
  std::optional<std::string> last_error;
  std::string created_at;  // ISO 8601, UTC
  std::optional<std::string> failed_at, discarded_at, discarded_by;
};

// {"id", "tenant_id", "prefix", "lead_id", "email", "state", "attempts", "last_error",
// "created_at", "failed_at", "discarded_at", "discarded_by"} (absent values null).
nlohmann::json to_json(const OutboxJobView& job);

// The states a job can be listed by.
const std::vector<std::string>& outbox_job_states();

struct OutboxJobQuery {
  std::vector<std::string> states;  // each one of outbox_job_states(); none for every state
  std::string tenant_id;            // a UUID, or empty for every tenant
  std::optional<long long> after;   // the last job id of the page before (its cursor)
  int limit = 50;                   // 1..500
};

struct OutboxJobPage {
  std::vector<OutboxJobView> items;
  std::optional<long long> next_after;  // the last job's id while more follow
};

// Which jobs `retry` and `discard` act on: one by id, a tenant's failed ones, or every failed one.
struct OutboxSelection {
  enum class Kind { job, tenant, all_failed } kind = Kind::all_failed;
  long long job_id = 0;
  std::string tenant_id;
};

// A page of jobs, oldest first. invalid_input naming the field (state, tenant, limit).
Result<OutboxJobPage> list_outbox_jobs(pqxx::connection& connection, const OutboxJobQuery& query);

// How many jobs failed for good and were not discarded; throws the database's error.
long long count_failed_outbox_jobs(pqxx::connection& connection);

// Requeues the selected failed jobs (they run again at once, attempts counted afresh); returns how
// many. not_found when a job named by id is not failed (or does not exist).
Result<long long> retry_outbox_jobs(pqxx::connection& connection, const OutboxSelection& selection);

// Gives the selected jobs up on purpose, recording `by` and the time; returns how many. not_found
// when a job named by id is done, already discarded or does not exist.
Result<long long> discard_outbox_jobs(pqxx::connection& connection, const OutboxSelection& selection,
                                      const std::string& by);

}  // namespace cf::store
