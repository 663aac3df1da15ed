// clientflow-relay: the command line. Parses flags with CLI11 and hands each subcommand to its
// function in commands.h; nothing else happens here.
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/version.h"
#include "daemon/commands.h"

namespace {

using namespace cf::daemon;

// A subcommand as the parser knows it, and what runs it once it was given.
struct Command {
  CLI::App* parser;
  std::function<int()> run;
};

std::string default_config_path() {
  const char* from_env = std::getenv("CLIENTFLOW_CONFIG");
  return from_env != nullptr && *from_env != '\0' ? from_env : "/etc/clientflow-relay/config.yaml";
}

void add_config_option(CLI::App& command, std::string& path) {
  command.add_option("--config", path, "YAML config file (default: $CLIENTFLOW_CONFIG, else "
                                       "/etc/clientflow-relay/config.yaml)");
}

Command serve_command(CLI::App& app, std::string& config_path) {
  auto* command = app.add_subcommand("serve", "Run the daemon until SIGTERM (SIGHUP reloads the config)");
  add_config_option(*command, config_path);
  auto level_text = std::make_shared<std::string>();
  command->add_option("--log-level", *level_text, "debug, info, warn or error (instead of log.level, also on reload)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  return {command, [&config_path, level_text] {
            std::optional<cf::log::Level> level;
            if (!level_text->empty()) {
              level = cf::log::Level::info;
              cf::log::parse_level(*level_text, *level);
            }
            return serve(config_path, level);
          }};
}

Command migrate_command(CLI::App& app, std::string& config_path) {
  auto* command = app.add_subcommand("migrate", "Apply pending database migrations");
  add_config_option(*command, config_path);
  return {command, [&config_path] { return migrate(config_path, std::cout); }};
}

Command check_ready_command(CLI::App& app, std::string& config_path) {
  auto* command = app.add_subcommand("check-ready", "Wait until the daemon on http.listen answers /readyz with 200");
  add_config_option(*command, config_path);
  auto timeout = std::make_shared<int>(20);
  command->add_option("--timeout", *timeout, "Seconds to wait (default 20)")->check(CLI::Range(1, 3600));
  return {command, [&config_path, timeout] { return check_ready(config_path, *timeout, std::cout); }};
}

Command tenant_add_command(CLI::App& tenant, std::string& config_path) {
  struct Flags {
    std::string name, email, prefix;
  };
  auto flags = std::make_shared<Flags>();
  auto* command = tenant.add_subcommand("add", "Create a tenant and print its keys once (JSON)");
  add_config_option(*command, config_path);
  command->add_option("--name", flags->name, "The IB's display name")->required();
  command->add_option("--email", flags->email, "The IB's contact email")->required();
  command->add_option("--prefix", flags->prefix, "Tag prefix to keep (^ib-[a-z0-9]{3,32}-$); generated when omitted");
  return {command,
          [&config_path, flags] { return tenant_add(config_path, flags->name, flags->email, flags->prefix, std::cout); }};
}

Command tenant_list_command(CLI::App& tenant, std::string& config_path) {
  auto format = std::make_shared<std::string>("text");
  auto* command = tenant.add_subcommand("list", "List tenants (never their keys)");
  add_config_option(*command, config_path);
  command->add_option("--format", *format, "text or json")->check(CLI::IsMember({"text", "json"}));
  return {command, [&config_path, format] { return tenant_list(config_path, *format, std::cout); }};
}

Command tenant_rotate_keys_command(CLI::App& tenant, std::string& config_path) {
  struct Flags {
    std::string tenant_id;
    bool api_key = false, rule_token = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* command = tenant.add_subcommand("rotate-keys", "Issue new credentials and print them once (both unless one is named)");
  add_config_option(*command, config_path);
  command->add_option("--tenant", flags->tenant_id, "Tenant id (see `tenant list`)")->required();
  command->add_flag("--api-key", flags->api_key, "Rotate the API key");
  command->add_flag("--rule-token", flags->rule_token, "Rotate the rule-webhook token");
  return {command, [&config_path, flags] {
            return tenant_rotate_keys(config_path, flags->tenant_id, flags->api_key, flags->rule_token, std::cout);
          }};
}

Command tenant_workflows_command(CLI::App& tenant, std::string& config_path) {
  struct Flags {
    std::string tenant_id, rule_token, format = "text";
  };
  auto flags = std::make_shared<Flags>();
  auto* command = tenant.add_subcommand(
      "workflows", "Print the exact trigger tags and rule-webhook URLs for one tenant's Systeme.io workflows");
  add_config_option(*command, config_path);
  command->add_option("--tenant", flags->tenant_id, "Tenant id (see `tenant list`)")->required();
  command->add_option("--rule-token", flags->rule_token, "The tenant's rule token, to print complete URLs");
  command->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  return {command, [&config_path, flags] {
            return tenant_workflows(config_path, flags->tenant_id, flags->rule_token, flags->format, std::cout);
          }};
}

Command tenant_update_command(CLI::App& tenant, std::string& config_path) {
  struct Flags {
    std::string tenant_id;
    std::optional<std::string> name, email;
  };
  auto flags = std::make_shared<Flags>();
  auto* command = tenant.add_subcommand("update", "Rename a tenant or change its contact email (JSON)");
  add_config_option(*command, config_path);
  command->add_option("--tenant", flags->tenant_id, "Tenant id (see `tenant list`)")->required();
  command->add_option("--name", flags->name, "The IB's new display name");
  command->add_option("--email", flags->email, "The IB's new contact email");
  return {command, [&config_path, flags] {
            return tenant_update(config_path, flags->tenant_id, flags->name, flags->email, std::cout);
          }};
}

// tenant suspend and tenant resume.
Command tenant_suspend_command(CLI::App& tenant, std::string& config_path, bool suspend) {
  auto tenant_id = std::make_shared<std::string>();
  auto* command = tenant.add_subcommand(
      suspend ? "suspend" : "resume",
      suspend ? "Suspend a tenant: its API keys get 403, its rule webhooks are kept, its outbox jobs wait"
              : "Resume a suspended tenant and route the rule webhooks kept meanwhile");
  add_config_option(*command, config_path);
  command->add_option("--tenant", *tenant_id, "Tenant id (see `tenant list`)")->required();
  return {command, [&config_path, tenant_id, suspend] {
            return tenant_suspend(config_path, *tenant_id, suspend, std::cout);
          }};
}

Command tenant_delete_command(CLI::App& tenant, std::string& config_path) {
  struct Flags {
    std::string tenant_id, confirm;
  };
  auto flags = std::make_shared<Flags>();
  auto* command = tenant.add_subcommand(
      "delete", "Delete a tenant for good: its leads, timelines and outbox jobs are erased, its prefix retired");
  add_config_option(*command, config_path);
  command->add_option("--tenant", flags->tenant_id, "Tenant id (see `tenant list`)")->required();
  command->add_option("--confirm", flags->confirm, "The tenant's prefix, typed out to confirm")->required();
  return {command, [&config_path, flags] {
            return tenant_delete(config_path, flags->tenant_id, flags->confirm, command_user(), std::cout);
          }};
}

Command outbox_list_command(CLI::App& outbox, std::string& config_path) {
  struct Flags {
    std::string state, tenant_id, format = "text";
  };
  auto flags = std::make_shared<Flags>();
  auto* command = outbox.add_subcommand("list", "List Systeme.io sync jobs with their last error");
  add_config_option(*command, config_path);
  command->add_option("--state", flags->state, "pending, failed, discarded or done (default: every state)")
      ->check(CLI::IsMember({"pending", "failed", "discarded", "done"}));
  command->add_option("--tenant", flags->tenant_id, "Only this tenant's jobs (see `tenant list`)");
  command->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  return {command, [&config_path, flags] {
            return outbox_list(config_path, flags->state, flags->tenant_id, flags->format, std::cout);
          }};
}

// outbox retry and outbox discard.
Command outbox_change_command(CLI::App& outbox, std::string& config_path, bool discard) {
  struct Flags {
    long long job = 0;
    std::string tenant_id, by = command_user();
    bool all_failed = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* command = outbox.add_subcommand(
      discard ? "discard" : "retry",
      discard ? "Give sync jobs up on purpose (recorded; they no longer count as failed)"
              : "Requeue failed sync jobs (after fixing systeme.api_key, say)");
  add_config_option(*command, config_path);
  command->add_option("--job", flags->job, "One job by id (see `outbox list`)")->check(CLI::PositiveNumber);
  command->add_option("--tenant", flags->tenant_id, "Every failed job of this tenant");
  command->add_flag("--all-failed", flags->all_failed, "Every failed job");
  if (discard) command->add_option("--by", flags->by, "Who gives them up (default: cli:$USER)");
  return {command, [&config_path, flags, discard] {
            return outbox_change(config_path, discard, flags->job, flags->tenant_id, flags->all_failed, flags->by,
                                 std::cout);
          }};
}

Command reconcile_command(CLI::App& app, std::string& config_path) {
  struct Flags {
    bool full = false, sync = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* command = app.add_subcommand("reconcile", "Run the reconciler once and print a summary");
  add_config_option(*command, config_path);
  command->add_flag("--full", flags->full, "Recheck every lead and contact (default: only those changed since the last runs)");
  command->add_flag("--sync", flags->sync,
                    "First refresh the contact mirror from the Systeme.io API (resumes a stopped sync), then run in full");
  return {command, [&config_path, flags] { return reconcile(config_path, flags->full, flags->sync, std::cout); }};
}

Command report_command(CLI::App& app, std::string& config_path) {
  struct Flags {
    std::string format = "text", status = "open", kind;
  };
  auto flags = std::make_shared<Flags>();
  auto* command = app.add_subcommand("report", "The duplicate-lead report: findings for admins");
  add_config_option(*command, config_path);
  command->add_option("--format", flags->format, "text, csv or json")->check(CLI::IsMember({"text", "csv", "json"}));
  command->add_option("--status", flags->status, "open (open and acknowledged), all, or one status");
  command->add_option("--kind", flags->kind, "shared_contact, foreign_prefix, owner_mismatch or unknown_prefix");
  return {command,
          [&config_path, flags] { return report(config_path, flags->format, flags->status, flags->kind, std::cout); }};
}

Command events_replay_command(CLI::App& events, std::string& config_path) {
  auto status = std::make_shared<std::string>();
  auto* command = events.add_subcommand(
      "replay", "Route again the stored deliveries that did not route (after adding a tenant, say)");
  add_config_option(*command, config_path);
  command->add_option("--status", *status,
                      "Only deliveries with this status (ambiguous, foreign_prefix, unknown_prefix, "
                      "retired_prefix, no_prefix, unsupported, malformed; or no_lead or suspended, left out "
                      "otherwise)");
  return {command, [&config_path, status] { return events_replay(config_path, *status, std::cout); }};
}

Command erase_command(CLI::App& app, std::string& config_path) {
  struct Flags {
    std::string email, by;
    bool systeme_contact = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* command = app.add_subcommand("erase", "Erase a person everywhere (every tenant's lead, the mirror, "
                                              "deliveries, findings) and print what was erased, counted");
  add_config_option(*command, config_path);
  command->add_option("--email", flags->email, "The person's email")->required();
  command->add_flag("--systeme-contact", flags->systeme_contact, "Also delete the person's Systeme.io contact");
  command->add_option("--by", flags->by, "Who erases, for the audit entry (default: the system user)");
  return {command, [&config_path, flags] {
            return erase(config_path, flags->email, flags->systeme_contact, flags->by, std::cout);
          }};
}

// Every subcommand, in the order `--help` lists them; `config_path` takes whichever --config is given.
std::vector<Command> add_commands(CLI::App& app, std::string& config_path) {
  std::vector<Command> commands{serve_command(app, config_path), migrate_command(app, config_path),
                                check_ready_command(app, config_path)};
  auto* tenant = app.add_subcommand("tenant", "Manage tenants (IBs)");
  tenant->require_subcommand(1);
  commands.push_back(tenant_add_command(*tenant, config_path));
  commands.push_back(tenant_list_command(*tenant, config_path));
  commands.push_back(tenant_rotate_keys_command(*tenant, config_path));
  commands.push_back(tenant_workflows_command(*tenant, config_path));
  commands.push_back(tenant_update_command(*tenant, config_path));
  commands.push_back(tenant_suspend_command(*tenant, config_path, true));
  commands.push_back(tenant_suspend_command(*tenant, config_path, false));
  commands.push_back(tenant_delete_command(*tenant, config_path));
  commands.push_back(reconcile_command(app, config_path));
  commands.push_back(report_command(app, config_path));
  auto* events = app.add_subcommand("events", "Stored webhook deliveries");
  events->require_subcommand(1);
  commands.push_back(events_replay_command(*events, config_path));
  commands.push_back(erase_command(app, config_path));
  auto* outbox = app.add_subcommand("outbox", "Systeme.io sync jobs: list, retry and discard the failed ones");
  outbox->require_subcommand(1);
  commands.push_back(outbox_list_command(*outbox, config_path));
  commands.push_back(outbox_change_command(*outbox, config_path, false));
  commands.push_back(outbox_change_command(*outbox, config_path, true));
  return commands;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ClientFlow Relay: the boundary between Systeme.io and ClientFlow's tenants"};
  app.name("clientflow-relay");
  app.set_version_flag("--version", std::string(cf::kVersion) + " (" + cf::kCommit + ")");
  app.require_subcommand(1);
  std::string config_path = default_config_path();
  const std::vector<Command> commands = add_commands(app, config_path);

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
  for (const auto& command : commands) {
    if (command.parser->parsed()) return command.run();
  }
  return kExitUsage;
}
