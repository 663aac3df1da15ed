// The subcommands of `clientflow-relay`, callable without the command-line parser. Each loads
// the config it is given, does its work and returns the process exit code: kExitOk, kExitFailure
// for a runtime failure (database unreachable, port taken) or kExitUsage for bad input of any
// kind (flags, config, values), after printing one clear line per problem on stderr.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "common/log.h"
#include "common/result.h"

namespace cf::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Prints "clientflow-relay: error: <message>" and returns the exit code for the error's kind.
int report_error(const Error& error);

// Runs the daemon until SIGTERM or SIGINT; SIGHUP reloads what can change at run time.
// `log_level` (from --log-level) overrides log.level, on reload too.
int serve(const std::string& config_path, std::optional<log::Level> log_level = std::nullopt);

// Applies pending migrations and prints what it did.
int migrate(const std::string& config_path, std::ostream& out);

// Waits up to `timeout_seconds` for GET /readyz on the config's http.listen to answer 200
// (daemon/check_ready.cpp): kExitOk once it does, kExitFailure when the time runs out.
int check_ready(const std::string& config_path, int timeout_seconds, std::ostream& out);

// Tenant administration; output is JSON on `out` (credentials appear only where issued).
int tenant_add(const std::string& config_path, const std::string& name, const std::string& email,
               const std::string& prefix, std::ostream& out);
int tenant_list(const std::string& config_path, const std::string& format, std::ostream& out);
int tenant_rotate_keys(const std::string& config_path, const std::string& tenant_id, bool api_key,
                       bool rule_token, std::ostream& out);

// A tenant's life after `tenant add` (daemon/lifecycle_commands.cpp): rename it or change its
// email (an empty optional keeps one), suspend it (its API keys get 403, its rule webhooks are
// kept as `suspended`, its outbox jobs wait) or resume it (its kept rule webhooks are routed), or
// delete it for good when `confirm_prefix` is its prefix (see store/tenant_removal.h). JSON on
// `out`; `by` is who acts, recorded where the change is.
int tenant_update(const std::string& config_path, const std::string& tenant_id, const std::optional<std::string>& name,
                  const std::optional<std::string>& email, std::ostream& out);
int tenant_suspend(const std::string& config_path, const std::string& tenant_id, bool suspend, std::ostream& out);
int tenant_delete(const std::string& config_path, const std::string& tenant_id, const std::string& confirm_prefix,
                  const std::string& by, std::ostream& out);

// The outbox of Systeme.io syncs for admins (store/outbox_admin.h): list jobs (`state` and
// `tenant_id` may be empty; text or json), requeue failed ones or give them up on purpose.
// Exactly one of `job_id` (> 0), `tenant_id` (not empty) or `all_failed` selects the jobs.
int outbox_list(const std::string& config_path, const std::string& state, const std::string& tenant_id,
                const std::string& format, std::ostream& out);
int outbox_change(const std::string& config_path, bool discard, long long job_id, const std::string& tenant_id,
                  bool all_failed, const std::string& by, std::ostream& out);

// Who runs a command, for the records it leaves: $USER (else "cli").
std::string command_user();

// Prints, for one tenant, the exact Systeme.io trigger tags and rule-webhook URLs its cloned
// workflows need (the rule token shown as <rule_token> unless the caller passes the real one,
// which is checked against the stored hash). `format` is text or json.
int tenant_workflows(const std::string& config_path, const std::string& tenant_id, const std::string& rule_token,
                     const std::string& format, std::ostream& out);

// One reconcile run (incremental unless `full`), then its summary. `sync` first refreshes the
// contact mirror from the Systeme.io API (resuming a sync that stopped), then runs in full.
int reconcile(const std::string& config_path, bool full, bool sync, std::ostream& out);

// The findings as a text table, CSV or JSON; `status` open|all|<status>, `kind` empty for all.
int report(const std::string& config_path, const std::string& format, const std::string& status,
           const std::string& kind, std::ostream& out);

// Re-routes stored deliveries that did not route (only `status` ones when not empty) and prints
// each that now routes differently, then a summary.
int events_replay(const std::string& config_path, const std::string& status, std::ostream& out);

// Erases the person `email` everywhere (store::erase_person) and prints what it erased, counted,
// never the email; `systeme_contact` also queues the deletion of their Systeme.io contact; `by`
// names who erased in the audit entry (default: the system user).
int erase(const std::string& config_path, const std::string& email, bool systeme_contact, const std::string& by,
          std::ostream& out);

}  // namespace cf::daemon
