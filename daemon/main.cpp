// clientflow-relay: the command line. Parses flags with CLI11 and hands each subcommand to its
// function in commands.h; nothing else happens here.
#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "common/version.h"
#include "daemon/commands.h"

namespace {

std::string default_config_path() {
  const char* from_env = std::getenv("CLIENTFLOW_CONFIG");
  return from_env != nullptr && *from_env != '\0' ? from_env : "/etc/clientflow-relay/config.yaml";
}

void add_config_option(CLI::App& command, std::string& path) {
  command.add_option("--config", path, "YAML config file (default: $CLIENTFLOW_CONFIG, else "
                                       "/etc/clientflow-relay/config.yaml)");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cf::daemon;
  CLI::App app{"ClientFlow Relay: the boundary between Systeme.io and ClientFlow's tenants"};
  app.name("clientflow-relay");
  app.set_version_flag("--version", std::string(cf::kVersion) + " (" + cf::kCommit + ")");
  app.require_subcommand(1);

  std::string config_path = default_config_path();

  auto* serve_cmd = app.add_subcommand("serve", "Run the daemon until SIGTERM (SIGHUP reloads the config)");
  add_config_option(*serve_cmd, config_path);
  std::string log_level_text;
  serve_cmd->add_option("--log-level", log_level_text, "debug, info, warn or error (instead of log.level, also on reload)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  auto* migrate_cmd = app.add_subcommand("migrate", "Apply pending database migrations");
  add_config_option(*migrate_cmd, config_path);

  auto* tenant_cmd = app.add_subcommand("tenant", "Manage tenants (IBs)");
  tenant_cmd->require_subcommand(1);

  std::string name, email, prefix;
  auto* add_cmd = tenant_cmd->add_subcommand("add", "Create a tenant and print its keys once (JSON)");
  add_config_option(*add_cmd, config_path);
  add_cmd->add_option("--name", name, "The IB's display name")->required();
  add_cmd->add_option("--email", email, "The IB's contact email")->required();
  add_cmd->add_option("--prefix", prefix,
                      "Tag prefix to keep (^ib-[a-z0-9]{3,32}-$); generated when omitted");

  std::string format = "text";
  auto* list_cmd = tenant_cmd->add_subcommand("list", "List tenants (never their keys)");
  add_config_option(*list_cmd, config_path);
  list_cmd->add_option("--format", format, "text or json")->check(CLI::IsMember({"text", "json"}));

  std::string tenant_id;
  bool rotate_api_key = false, rotate_rule_token = false;
  auto* rotate_cmd = tenant_cmd->add_subcommand(
      "rotate-keys", "Issue new credentials and print them once (both unless one is named)");
  add_config_option(*rotate_cmd, config_path);
  rotate_cmd->add_option("--tenant", tenant_id, "Tenant id (see `tenant list`)")->required();
  rotate_cmd->add_flag("--api-key", rotate_api_key, "Rotate the API key");
  rotate_cmd->add_flag("--rule-token", rotate_rule_token, "Rotate the rule-webhook token");

  std::string workflows_tenant, workflows_token, workflows_format = "text";
  auto* workflows_cmd = tenant_cmd->add_subcommand(
      "workflows", "Print the exact trigger tags and rule-webhook URLs for one tenant's Systeme.io workflows");
  add_config_option(*workflows_cmd, config_path);
  workflows_cmd->add_option("--tenant", workflows_tenant, "Tenant id (see `tenant list`)")->required();
  workflows_cmd->add_option("--rule-token", workflows_token, "The tenant's rule token, to print complete URLs");
  workflows_cmd->add_option("--format", workflows_format, "text or json")->check(CLI::IsMember({"text", "json"}));

  bool reconcile_full = false, reconcile_sync = false;
  auto* reconcile_cmd = app.add_subcommand("reconcile", "Run the reconciler once and print a summary");
  add_config_option(*reconcile_cmd, config_path);
  reconcile_cmd->add_flag("--full", reconcile_full,
                          "Recheck every lead and contact (default: only those changed since the last runs)");
  reconcile_cmd->add_flag("--sync", reconcile_sync,
                          "First refresh the contact mirror from the Systeme.io API (resumes a stopped sync), then run in full");

  std::string report_format = "text", report_status = "open", report_kind;
  auto* report_cmd = app.add_subcommand("report", "The duplicate-lead report: findings for admins");
  add_config_option(*report_cmd, config_path);
  report_cmd->add_option("--format", report_format, "text, csv or json")->check(CLI::IsMember({"text", "csv", "json"}));
  report_cmd->add_option("--status", report_status, "open (open and acknowledged), all, or one status");
  report_cmd->add_option("--kind", report_kind, "shared_contact, foreign_prefix, owner_mismatch or unknown_prefix");

  auto* events_cmd = app.add_subcommand("events", "Stored webhook deliveries");
  events_cmd->require_subcommand(1);
  std::string replay_status;
  auto* replay_cmd = events_cmd->add_subcommand(
      "replay", "Route again the stored deliveries that did not route (after adding a tenant, say)");
  add_config_option(*replay_cmd, config_path);
  replay_cmd->add_option("--status", replay_status,
                         "Only deliveries with this status (ambiguous, foreign_prefix, unknown_prefix, "
                         "no_prefix, unsupported, malformed; or no_lead, left out otherwise)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "clientflow-relay: error: " << e.what() << " (see --help)\n";
    return kExitUsage;
  }

  if (serve_cmd->parsed()) {
    std::optional<cf::log::Level> level;
    if (!log_level_text.empty()) {
      level = cf::log::Level::info;
      cf::log::parse_level(log_level_text, *level);
    }
    return serve(config_path, level);
  }
  if (migrate_cmd->parsed()) return migrate(config_path, std::cout);
  if (add_cmd->parsed()) return tenant_add(config_path, name, email, prefix, std::cout);
  if (list_cmd->parsed()) return tenant_list(config_path, format, std::cout);
  if (rotate_cmd->parsed()) {
    return tenant_rotate_keys(config_path, tenant_id, rotate_api_key, rotate_rule_token, std::cout);
  }
  if (workflows_cmd->parsed()) {
    return tenant_workflows(config_path, workflows_tenant, workflows_token, workflows_format, std::cout);
  }
  if (reconcile_cmd->parsed()) return reconcile(config_path, reconcile_full, reconcile_sync, std::cout);
  if (report_cmd->parsed()) return report(config_path, report_format, report_status, report_kind, std::cout);
  if (replay_cmd->parsed()) return events_replay(config_path, replay_status, std::cout);
  return kExitUsage;
}
