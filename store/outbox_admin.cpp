#include "store/outbox_admin.h"

#include <algorithm>

#include "store/database.h"
#include "store/queries.h"
#include "store/statements.h"
#include "store/tenants.h"

namespace cf::store {

namespace {

std::optional<std::string> optional_text(const pqxx::field& field) {
  return field.is_null() ? std::nullopt : std::optional<std::string>(field.as<std::string>());
}

OutboxJobView read_job(const pqxx::row& row) {
  OutboxJobView job;
  job.id = row[0].as<long long>();
  job.tenant_id = row[1].as<std::string>();
  job.prefix = row[2].as<std::string>();
  job.lead_id = row[3].as<std::string>();
  job.email = row[4].as<std::string>();
  job.state = row[5].as<std::string>();
  job.attempts = row[6].as<int>();
  job.last_error = optional_text(row[7]);
  job.created_at = row[8].as<std::string>();
  job.failed_at = optional_text(row[9]);
  job.discarded_at = optional_text(row[10]);
  job.discarded_by = optional_text(row[11]);
  return job;
}

nlohmann::json or_null(const std::optional<std::string>& value) { return value ? nlohmann::json(*value) : nullptr; }

// The states as a PostgreSQL array literal; '' for every state. State names are [a-z] only.
std::string state_array(const std::vector<std::string>& states) {
  if (states.empty()) return {};
  std::string out = "{";
  for (const auto& state : states) out += (out.size() > 1 ? "," : "") + state;
  return out + "}";
}

const char* kind_name(OutboxSelection::Kind kind) {
  switch (kind) {
    case OutboxSelection::Kind::job: return "job";
    case OutboxSelection::Kind::tenant: return "tenant";
    case OutboxSelection::Kind::all_failed: return "all";
  }
  return "all";
}

Status check_selection(const OutboxSelection& selection) {
  if (selection.kind == OutboxSelection::Kind::tenant && !is_uuid(selection.tenant_id)) {
    return invalid_input("--tenant must be a tenant id (a UUID, see `tenant list`)");
  }
  if (selection.kind == OutboxSelection::Kind::job && selection.job_id <= 0) {
    return invalid_input("--job must be a job id (see `outbox list`)");
  }
  return {};
}

// Runs `statement` (retry or discard) on the selection; not_found when a job named by id is not
// among those it may change.
Result<long long> change_jobs(pqxx::connection& connection, const OutboxSelection& selection,
                              std::string_view statement, const std::string& by, const char* what) {
  if (auto checked = check_selection(selection); !checked) return checked.error();
  try {
    pqxx::work tx(connection);
    const auto rows = by.empty() ? exec_statement(tx, statement, kind_name(selection.kind), selection.job_id,
                                                  selection.tenant_id)
                                 : exec_statement(tx, statement, kind_name(selection.kind), selection.job_id,
                                                  selection.tenant_id, by);
    if (rows.empty() && selection.kind == OutboxSelection::Kind::job) {
      return not_found("no job with id " + std::to_string(selection.job_id) + " that can be " + what);
    }
    tx.commit();
    return static_cast<long long>(rows.size());
  } catch (const std::exception& e) {
    return database_error(e, std::string("outbox ") + what);
  }
}

}  // namespace

nlohmann::json to_json(const OutboxJobView& job) {
  return {{"id", job.id},
          {"tenant_id", job.tenant_id},
          {"prefix", job.prefix},
          {"lead_id", job.lead_id},
          {"email", job.email},
          {"state", job.state},
          {"attempts", job.attempts},
          {"last_error", or_null(job.last_error)},
          {"created_at", job.created_at},
          {"failed_at", or_null(job.failed_at)},
          {"discarded_at", or_null(job.discarded_at)},
          {"discarded_by", or_null(job.discarded_by)}};
}

const std::vector<std::string>& outbox_job_states() {
  static const std::vector<std::string> states{"pending", "failed", "discarded", "done"};
  return states;
}

Result<OutboxJobPage> list_outbox_jobs(pqxx::connection& connection, const OutboxJobQuery& query) {
  const auto& states = outbox_job_states();
  for (const auto& state : query.states) {
    if (std::find(states.begin(), states.end(), state) == states.end()) {
      return invalid_input("state must be one of: pending, failed, discarded, done");
    }
  }
  if (!query.tenant_id.empty() && !is_uuid(query.tenant_id)) return invalid_input("tenant must be a tenant id (a UUID)");
  if (query.limit < 1 || query.limit > 500) return invalid_input("limit must be between 1 and 500");
  try {
    pqxx::read_transaction tx(connection);
    OutboxJobPage page;
    // One row more than asked tells whether a page follows.
    for (const auto& row : exec_statement(tx, sql::outbox_admin_list, state_array(query.states), query.tenant_id,
                                          query.after.value_or(0), query.limit + 1)) {
      if (static_cast<int>(page.items.size()) == query.limit) {
        page.next_after = page.items.back().id;
        break;
      }
      page.items.push_back(read_job(row));
    }
    return page;
  } catch (const std::exception& e) {
    return database_error(e, "outbox list");
  }
}

long long count_failed_outbox_jobs(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  return tx.exec1(std::string(sql::outbox_admin_count_failed))[0].as<long long>();
}

Result<long long> retry_outbox_jobs(pqxx::connection& connection, const OutboxSelection& selection) {
  return change_jobs(connection, selection, sql::outbox_admin_retry, {}, "retried");
}

Result<long long> discard_outbox_jobs(pqxx::connection& connection, const OutboxSelection& selection,
                                      const std::string& by) {
  if (by.empty()) return invalid_input("who discards the jobs must be named");
  return change_jobs(connection, selection, sql::outbox_admin_discard, by, "discarded");
}

}  // namespace cf::store
