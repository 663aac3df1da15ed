// tenant update/suspend/resume/delete and outbox list/retry/discard: one-shot operations on a
// tenant's life and on the syncs that failed.
#include <cstdlib>
#include <iomanip>
#include <ostream>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "daemon/commands.h"
#include "store/database.h"
#include "store/ingest_store.h"
#include "store/outbox_admin.h"
#include "store/tenant_removal.h"
#include "store/tenants.h"

namespace cf::daemon {

namespace {

Status check_tenant_id(const std::string& tenant_id) {
  if (store::is_uuid(tenant_id)) return {};
  return invalid_input("--tenant must be a tenant id (a UUID, see `tenant list`)");
}

// Routes the rule webhooks kept as `suspended` whose tenant is active again; how many now route.
int route_kept_rule_webhooks(pqxx::connection& connection, const Config& config) {
  store::IngestStore ingest(connection, {static_cast<EpochMs>(config.ingest.max_clock_skew_seconds) * 1000,
                                         {config.http.max_json_depth}, config.leads.convert_on_sale,
                                         config.privacy.erasure_key});
  int routed = 0;
  long long after = 0;
  for (;;) {
    const auto page = ingest.replay("suspended", after, 200);
    if (page.examined == 0) return routed;
    after = page.last_id;
    for (const auto& change : page.changes) routed += change.to == "routed" ? 1 : 0;
  }
}

}  // namespace

std::string command_user() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? std::string("cli:") + user : "cli";
}

int tenant_update(const std::string& config_path, const std::string& tenant_id, const std::optional<std::string>& name,
                  const std::optional<std::string>& email, std::ostream& out) {
  if (auto checked = check_tenant_id(tenant_id); !checked) return report_error(checked.error());
  if (!name && !email) return report_error(invalid_input("nothing to update: give --name, --email or both"));
  auto config = load_config(config_path);
  if (!config) return report_error(config.error());
  auto connection = store::connect(config->database.url);
  if (!connection) return report_error(connection.error());
  auto updated = store::TenantStore(**connection).update(tenant_id, name, email);
  if (!updated) return report_error(updated.error());
  out << store::to_json(*updated).dump() << '\n';
  return kExitOk;
}

int tenant_suspend(const std::string& config_path, const std::string& tenant_id, bool suspend, std::ostream& out) {
  if (auto checked = check_tenant_id(tenant_id); !checked) return report_error(checked.error());
  auto config = load_config(config_path);
  if (!config) return report_error(config.error());
  auto connection = store::connect(config->database.url);
  if (!connection) return report_error(connection.error());
  auto changed = store::TenantStore(**connection).set_suspended(tenant_id, suspend);
  if (!changed) return report_error(changed.error());
  nlohmann::json result = store::to_json(*changed);
  if (!suspend) {
    try {
      result["rule_webhooks_routed"] = route_kept_rule_webhooks(**connection, *config);
    } catch (const std::exception& e) {
      // The tenant is active; its kept webhooks route with `events replay --status suspended`.
      return report_error(store::database_error(e, "routing the tenant's kept rule webhooks"));
    }
  }
  out << result.dump() << '\n';
  return kExitOk;
}

int tenant_delete(const std::string& config_path, const std::string& tenant_id, const std::string& confirm_prefix,
                  const std::string& by, std::ostream& out) {
  if (auto checked = check_tenant_id(tenant_id); !checked) return report_error(checked.error());
  auto config = load_config(config_path);
  if (!config) return report_error(config.error());
  auto connection = store::connect(config->database.url);
  if (!connection) return report_error(connection.error());
  auto removed = store::remove_tenant(**connection, tenant_id, confirm_prefix, by);
  if (!removed) return report_error(removed.error());
  out << nlohmann::json{{"deleted", store::to_json(removed->tenant)},
                        {"retired_prefix", removed->tenant.prefix},
                        {"erased",
                         {{"leads", removed->leads},
                          {"timeline_rows", removed->timeline_rows},
                          {"outbox_jobs", removed->outbox_jobs},
                          {"assignments", removed->assignments},
                          {"deliveries_scrubbed", removed->deliveries}}},
                        {"findings_resolved", removed->findings}}
             .dump()
      << '\n';
  return kExitOk;
}

int outbox_list(const std::string& config_path, const std::string& state, const std::string& tenant_id,
                const std::string& format, std::ostream& out) {
  auto config = load_config(config_path);
  if (!config) return report_error(config.error());
  auto connection = store::connect(config->database.url);
  if (!connection) return report_error(connection.error());
  // Without --state, the jobs that need an eye: pending and failed ones.
  store::OutboxJobQuery query{state.empty() ? std::vector<std::string>{"pending", "failed"} : std::vector<std::string>{state},
                              tenant_id, std::nullopt, 500};
  nlohmann::json items = nlohmann::json::array();
  if (format != "json") {
    out << std::left << std::setw(10) << "JOB" << std::setw(11) << "STATE" << std::setw(9) << "ATTEMPTS"
        << std::setw(22) << "PREFIX" << std::setw(32) << "EMAIL" << "LAST ERROR" << '\n';
  }
  do {
    auto page = store::list_outbox_jobs(**connection, query);
    if (!page) return report_error(page.error());
    for (const auto& job : page->items) {
      if (format == "json") {
        items.push_back(store::to_json(job));
        continue;
      }
      out << std::setw(10) << job.id << std::setw(11) << job.state << std::setw(9) << job.attempts << std::setw(22)
          << job.prefix << std::setw(32) << job.email << job.last_error.value_or("") << '\n';
    }
    query.after = page->next_after;
  } while (query.after);
  if (format == "json") out << items.dump() << '\n';
  return kExitOk;
}

int outbox_change(const std::string& config_path, bool discard, long long job_id, const std::string& tenant_id,
                  bool all_failed, const std::string& by, std::ostream& out) {
  const int chosen = (job_id != 0 ? 1 : 0) + (tenant_id.empty() ? 0 : 1) + (all_failed ? 1 : 0);
  if (chosen != 1) return report_error(invalid_input("give exactly one of --job, --tenant or --all-failed"));
  store::OutboxSelection selection;
  if (job_id != 0) selection = {store::OutboxSelection::Kind::job, job_id, {}};
  if (!tenant_id.empty()) selection = {store::OutboxSelection::Kind::tenant, 0, tenant_id};
  auto config = load_config(config_path);
  if (!config) return report_error(config.error());
  auto connection = store::connect(config->database.url);
  if (!connection) return report_error(connection.error());
  auto changed = discard ? store::discard_outbox_jobs(**connection, selection, by)
                         : store::retry_outbox_jobs(**connection, selection);
  if (!changed) return report_error(changed.error());
  out << (discard ? "discarded " : "requeued ") << *changed << (*changed == 1 ? " job" : " jobs") << '\n';
  return kExitOk;
}

}  // namespace cf::daemon
