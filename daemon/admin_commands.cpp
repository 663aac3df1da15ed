// migrate and tenant subcommands: one-shot operations on the database.
#include <unistd.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "daemon/commands.h"
#include "reconcile/findings.h"
#include "reconcile/reconciler.h"
#include "store/database.h"
#include "store/ingest_store.h"
#include "reconcile/mirror_sync.h"
#include "relay/systeme_client.h"
#include "store/migrations.h"
#include "store/tenants.h"

namespace cf::daemon {

namespace {

// Loads the config and opens a connection, or reports why not.
Result<std::unique_ptr<pqxx::connection>> open_database(const std::string& config_path) {
  auto config = load_config(config_path);
  if (!config) return config.error();
  return store::connect(config->database.url);
}

nlohmann::json to_json(const store::NewTenant& issued) {
  nlohmann::json out = store::to_json(issued.tenant);
  if (issued.keys.api_key) out["api_key"] = *issued.keys.api_key;
  if (issued.keys.rule_token) out["rule_token"] = *issued.keys.rule_token;
  return out;
}

}  // namespace

int report_error(const Error& error) {
  std::string message = error.message;
  std::string::size_type start = 0;
  // A config error may name several problems: one line each.
  while (start <= message.size()) {
    const auto end = message.find('\n', start);
    std::cerr << "clientflow-relay: error: " << message.substr(start, end - start) << '\n';
    if (end == std::string::npos) break;
    start = end + 1;
  }
  switch (error.kind) {
    case ErrorKind::invalid_input:
    case ErrorKind::conflict:
    case ErrorKind::not_found:
      return kExitUsage;
    case ErrorKind::unavailable:
    case ErrorKind::internal:
      return kExitFailure;
  }
  return kExitFailure;
}

int migrate(const std::string& config_path, std::ostream& out) {
  auto config = load_config(config_path);
  if (!config) return report_error(config.error());
  // With database.migration_url, migrate runs as the schema's owner and sets up database.url's
  // role for serve; without it, one role does both, as before.
  const auto& database = config->database;
  std::optional<store::RuntimeRole> runtime;
  if (!database.migration_url.empty()) {
    auto role = store::runtime_role_of(database.url, database.migration_url);
    if (!role) return report_error(role.error());
    runtime = std::move(*role);
  }
  auto connection = store::connect(runtime ? database.migration_url : database.url);
  if (!connection) return report_error(connection.error());
  auto report = store::migrate(**connection, runtime);
  if (!report) return report_error(report.error());
  for (const auto& name : report->applied) out << "applied " << name << '\n';
  out << "schema at version " << report->version
      << (report->applied.empty() ? " (already current)" : "") << '\n';
  if (report->roles) {
    for (const auto& change : report->roles->changes) out << change << '\n';
    out << "serve's role " << runtime->name << " owns nothing and cannot change the schema\n";
  }
  return kExitOk;
}

int tenant_add(const std::string& config_path, const std::string& name, const std::string& email,
               const std::string& prefix, std::ostream& out) {
  auto draft = store::TenantDraft::make(name, email, prefix);
  if (!draft) return report_error(draft.error());
  auto connection = open_database(config_path);
  if (!connection) return report_error(connection.error());
  store::TenantStore tenants(**connection);
  auto created = tenants.add(*draft);
  if (!created) return report_error(created.error());
  out << to_json(*created).dump() << '\n';
  return kExitOk;
}

int tenant_list(const std::string& config_path, const std::string& format, std::ostream& out) {
  auto connection = open_database(config_path);
  if (!connection) return report_error(connection.error());
  store::TenantStore tenants(**connection);
  auto all = tenants.list();
  if (!all) return report_error(all.error());
  if (format == "json") {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& tenant : *all) array.push_back(store::to_json(tenant));
    out << array.dump() << '\n';
    return kExitOk;
  }
  out << std::left << std::setw(38) << "ID" << std::setw(22) << "PREFIX" << std::setw(11) << "STATE" << std::setw(22)
      << "CREATED" << std::setw(32) << "EMAIL" << "NAME" << '\n';
  for (const auto& tenant : *all) {
    out << std::setw(38) << tenant.id << std::setw(22) << tenant.prefix << std::setw(11) << tenant.state << std::setw(22)
        << tenant.created_at << std::setw(32) << tenant.email << tenant.name << '\n';
  }
  return kExitOk;
}

int tenant_rotate_keys(const std::string& config_path, const std::string& tenant_id, bool api_key,
                       bool rule_token, std::ostream& out) {
  if (!api_key && !rule_token) api_key = rule_token = true;
  if (!store::is_uuid(tenant_id)) {
    return report_error(invalid_input("--tenant must be a tenant id (a UUID, see `tenant list`)"));
  }
  auto connection = open_database(config_path);
  if (!connection) return report_error(connection.error());
  store::TenantStore tenants(**connection);
  auto rotated = tenants.rotate_keys(tenant_id, api_key, rule_token);
  if (!rotated) return report_error(rotated.error());
  out << to_json(*rotated).dump() << '\n';
  return kExitOk;
}

namespace {

struct WorkflowTrigger {
  const char* workflow;
  const char* suffix;
  const char* when;
};

// The workflows of the seed design, each IB's copy triggered by its own prefixed tag.
const std::vector<WorkflowTrigger>& workflow_triggers() {
  static const std::vector<WorkflowTrigger> triggers{
      {"Welcome sequence", "demo-request", "tag added by every capture"},
      {"VIP lead alert", "high-volume", "tag added when monthly_leads is 500+"},
      {"Engaged follow-up", "engaged", "tag your welcome workflow adds when an email is opened"},
      {"Re-engagement", "inactive", "tag you add to leads gone quiet"},
      {"Converted", "converted", "tag your workflow adds to convert a lead; the relay adds it for a sale or the API"},
  };
  return triggers;
}

const std::vector<std::string>& rule_kinds() {
  static const std::vector<std::string> kinds{"email-opened", "link-clicked", "optin"};
  return kinds;
}

}  // namespace

int tenant_workflows(const std::string& config_path, const std::string& tenant_id, const std::string& rule_token,
                     const std::string& format, std::ostream& out) {
  if (!store::is_uuid(tenant_id)) {
    return report_error(invalid_input("--tenant must be a tenant id (a UUID, see `tenant list`)"));
  }
  auto config = load_config(config_path);
  if (!config) return report_error(config.error());
  auto connection = store::connect(config->database.url);
  if (!connection) return report_error(connection.error());
  store::TenantStore tenants(**connection);
  auto found = tenants.find(tenant_id);
  if (!found) return report_error(found.error());
  const store::Tenant* tenant = &*found;
  std::string token = "<rule_token>";
  if (!rule_token.empty()) {
    auto owner = tenants.find_by_rule_token(rule_token);
    if (!owner || owner->id != tenant_id) return report_error(invalid_input("--rule-token is not this tenant's rule token"));
    token = rule_token;
  }
  const std::string rules = config->http.public_url + "/webhooks/systeme/rules/" + token + "/";
  if (format == "json") {
    nlohmann::json triggers = nlohmann::json::array();
    for (const auto& t : workflow_triggers()) {
      triggers.push_back({{"workflow", t.workflow}, {"trigger_tag", tenant->prefix + t.suffix}, {"when", t.when}});
    }
    nlohmann::json webhooks = nlohmann::json::object();
    for (const auto& kind : rule_kinds()) webhooks[kind] = rules + kind;
    out << nlohmann::json{{"tenant", store::to_json(*tenant)},
                          {"triggers", triggers},
                          {"ib_type_tag", tenant->prefix + "<ib_type>"},
                          {"rule_webhooks", webhooks}}
               .dump(2)
        << '\n';
    return kExitOk;
  }
  out << "Systeme.io workflows for " << tenant->name << " (prefix " << tenant->prefix << ")\n\n";
  if (tenant->suspended()) {
    out << "This tenant is suspended: its API keys get 403 and its rule webhooks are kept (stored as\n"
           "`suspended`) until `tenant resume` routes them; its tags still route.\n\n";
  }
  out << "Trigger tags (copy exactly):\n";
  for (const auto& t : workflow_triggers()) {
    out << "  " << std::left << std::setw(20) << t.workflow << std::setw(30) << tenant->prefix + t.suffix << t.when << '\n';
  }
  out << "  " << std::setw(20) << "By IB type" << tenant->prefix << "<ib_type>, e.g. " << tenant->prefix
      << "forex-ib\n\nWorkflow \"call a webhook\" URLs:\n";
  for (const auto& kind : rule_kinds()) out << "  " << std::setw(20) << kind << rules << kind << '\n';
  if (rule_token.empty()) {
    out << "\n<rule_token> is the tenant's rule token (shown once by `tenant add` or `tenant rotate-keys`;\n"
           "pass it with --rule-token to print complete URLs).\n";
  }
  return kExitOk;
}

int events_replay(const std::string& config_path, const std::string& status, std::ostream& out) {
  std::vector<std::string> replayable;
  for (const auto s : ingest::unrouted_statuses()) replayable.emplace_back(ingest::status_name(s));
  replayable.emplace_back(ingest::status_name(ingest::RouteStatus::no_lead));
  replayable.emplace_back(ingest::status_name(ingest::RouteStatus::suspended));
  if (!status.empty() && std::find(replayable.begin(), replayable.end(), status) == replayable.end()) {
    std::string names;
    for (const auto& name : replayable) names += (names.empty() ? "" : ", ") + name;
    return report_error(invalid_input("--status must be one of: " + names));
  }
  auto config = load_config(config_path);
  if (!config) return report_error(config.error());
  auto connection = store::connect(config->database.url);
  if (!connection) return report_error(connection.error());
  store::IngestStore store(**connection, {static_cast<EpochMs>(config->ingest.max_clock_skew_seconds) * 1000,
                                          {config->http.max_json_depth}, config->leads.convert_on_sale,
                                          config->privacy.erasure_key});
  int examined = 0, changed = 0, now_routed = 0;
  long long after = 0;
  try {
    for (;;) {
      const auto page = store.replay(status, after, 200);
      if (page.examined == 0) break;
      examined += page.examined;
      after = page.last_id;
      for (const auto& change : page.changes) {
        ++changed;
        if (change.to == "routed") ++now_routed;
        out << "event " << change.id << " " << change.event_type << ": " << change.from << " -> " << change.to;
        if (!change.tenant_id.empty()) out << " (tenant " << change.tenant_id << ")";
        out << '\n';
      }
    }
  } catch (const std::exception& e) {
    return report_error(store::database_error(e, "replay"));
  }
  out << "replayed " << examined << " deliveries: " << now_routed << " now routed, " << changed - now_routed
      << " with another status, " << examined - changed << " unchanged\n";
  return kExitOk;
}

int reconcile(const std::string& config_path, bool full, bool sync, std::ostream& out) {
  auto config = load_config(config_path);
  if (!config) return report_error(config.error());
  if (sync && config->systeme.api_key.empty()) {
    return report_error(invalid_input("--sync reads the Systeme.io API: set systeme.api_key"));
  }
  auto connection = store::connect(config->database.url);
  if (!connection) return report_error(connection.error());
  try {
    if (sync) {
      relay::RateLimiter limiter(config->systeme.requests_per_second, std::max(1.0, config->systeme.requests_per_second));
      relay::SystemeClient client(config->systeme.api_base, config->systeme.api_key, limiter,
                                  std::chrono::seconds(config->systeme.timeout_seconds), config->http.max_json_depth);
      // On a terminal, one line that keeps count; elsewhere (logs, pipes) only the result.
      const bool terminal = isatty(STDERR_FILENO) == 1;
      auto synced = reconcile::sync_mirror(**connection, client, [terminal](const reconcile::SyncProgress& p) {
        if (terminal) std::cerr << "\rsyncing contacts: page " << p.pages << ", " << p.contacts << " contacts" << std::flush;
      }, SystemClock::instance(), config->privacy.erasure_key);
      if (terminal) std::cerr << '\n';
      if (!synced) return report_error(synced.error());
      out << reconcile::describe(*synced) << '\n';
      full = true;  // the mirror changed outside the deliveries an incremental run follows
    }
    out << reconcile::describe(reconcile::reconcile_once(
               **connection, full ? reconcile::Mode::full : reconcile::Mode::incremental))
        << '\n';
    return kExitOk;
  } catch (const std::exception& e) {
    return report_error(store::database_error(e, "reconcile"));
  }
}

int report(const std::string& config_path, const std::string& format, const std::string& status,
           const std::string& kind, std::ostream& out) {
  auto connection = open_database(config_path);
  if (!connection) return report_error(connection.error());
  auto findings = reconcile::list_findings(**connection, status, kind);
  if (!findings) return report_error(findings.error());
  if (format == "csv") out << reconcile::report_csv(*findings);
  else if (format == "json") out << reconcile::report_json(*findings);
  else out << reconcile::report_text(*findings);
  return kExitOk;
}

}  // namespace cf::daemon
