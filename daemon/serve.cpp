// `serve`: wires config, readiness, metrics and the HTTP server, then waits for a signal.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/version.h"
#include "config/config.h"
#include "daemon/commands.h"
#include "daemon/admin_api.h"
#include "daemon/credential_filter.h"
#include "daemon/db_executor.h"
#include "daemon/http_server.h"
#include "daemon/ingest_writer.h"
#include "daemon/webhook_endpoints.h"
#include "reconcile/schedule.h"
#include "relay/outbox_worker.h"
#include "store/database.h"
#include "store/database_roles.h"
#include "store/retention.h"
#include "daemon/daemon_metrics.h"
#include "daemon/metrics_server.h"
#include "daemon/state_sample.h"
#include "daemon/periodic_task.h"
#include "daemon/readiness.h"
#include "daemon/tenant_api.h"

namespace cf::daemon {

namespace {

// Blocks the stop and reload signals in this thread and every thread it starts later, so that
// only wait_for_stop() receives them.
sigset_t block_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Returns on SIGTERM or SIGINT; calls `reload` on each SIGHUP.
void wait_for_stop(const sigset_t& set, const std::function<void()>& reload) {
  for (;;) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) continue;
    if (signal == SIGHUP) {
      reload();
      continue;
    }
    log::info("stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    return;
  }
}

// The keys a reload cannot apply, among those that differ between the running and the new config.
std::vector<std::string> needing_restart(const Config& running, const Config& next) {
  std::vector<std::string> keys;
  const auto differs = [&](bool changed, const char* key) {
    if (changed) keys.emplace_back(key);
  };
  differs(running.http.listen.str() != next.http.listen.str(), "http.listen");
  differs(running.http.public_url != next.http.public_url, "http.public_url");
  differs(running.http.threads != next.http.threads, "http.threads");
  differs(running.http.max_body_bytes != next.http.max_body_bytes, "http.max_body_bytes");
  differs(running.http.max_pending != next.http.max_pending, "http.max_pending");
  differs(running.http.max_pending_bytes != next.http.max_pending_bytes, "http.max_pending_bytes");
  differs(running.http.max_json_depth != next.http.max_json_depth, "http.max_json_depth");
  differs(running.metrics.listen.str() != next.metrics.listen.str(), "metrics.listen");
  differs(running.database.url.reveal() != next.database.url.reveal(), "database.url");
  differs(running.database.pool_size != next.database.pool_size, "database.pool_size");
  differs(running.systeme.api_base != next.systeme.api_base, "systeme.api_base");
  differs(running.reconcile.interval_seconds != next.reconcile.interval_seconds, "reconcile.interval_seconds");
  differs(running.reconcile.full_interval_seconds != next.reconcile.full_interval_seconds,
          "reconcile.full_interval_seconds");
  differs(running.retention.raw_body_days != next.retention.raw_body_days, "retention.raw_body_days");
  differs(running.leads.duplicate_policy != next.leads.duplicate_policy, "leads.duplicate_policy");
  differs(running.ingest.max_clock_skew_seconds != next.ingest.max_clock_skew_seconds, "ingest.max_clock_skew_seconds");
  return keys;
}

// Logs at warn when serve's database role could change the schema or its row-level security, as
// in the one-role setup; once migrate has separated the roles, readiness refuses that instead.
void warn_about_database_role(const Secret& url) {
  auto connection = store::connect(url);
  if (!connection) return;  // readiness reports an unreachable database
  try {
    if (auto role = store::check_runtime_role(**connection); !role) {
      log::warn("the daemon's database role can change the schema; give migrate a role of its own with "
                "database.migration_url (README, \"Database roles\")",
                {{"detail", role.error().message}});
    }
  } catch (const std::exception& e) {
    log::warn("could not check the daemon's database role", {{"error", e.what()}});
  }
}

std::string http_url(const ListenAddress& listen, std::uint16_t port) {
  ListenAddress bound = listen;
  bound.port = port;
  return "http://" + bound.str();
}

}  // namespace

int serve(const std::string& config_path, std::optional<log::Level> log_level) {
  auto loaded = load_config(config_path);
  if (!loaded) return report_error(loaded.error());
  const Config& config = *loaded;
  log::init(log_level.value_or(config.log.level));
  const sigset_t signals = block_signals();

  Readiness readiness(config.database.url, std::chrono::seconds(2));
  readiness.start();
  warn_about_database_role(config.database.url);

  auto metrics_server = MetricsServer::start(config.metrics.listen);
  if (!metrics_server) return report_error(metrics_server.error());
  metrics::initialize();

  // Half the pool writes deliveries: more writers than cores only split batches (bench/README.md).
  const store::IngestOptions ingest{static_cast<EpochMs>(config.ingest.max_clock_skew_seconds) * 1000,
                                    {config.http.max_json_depth}};
  IngestWriter writer({config.database.url, std::max(1, config.database.pool_size / 2), 256, config.http.max_pending,
                       config.http.max_pending_bytes, ingest});
  writer.start();
  // Every tenant's credential hashes, so unknown rule tokens and API keys cost no query.
  CredentialFilter credentials({config.database.url});
  credentials.start();
  SystemClock clock;
  WebhookEndpoints webhooks({config.systeme.webhook_secrets, ingest.parse, ingest.max_clock_skew_ms,
                             config.ingest.rule_webhooks_per_second_per_tenant, config.ingest.rule_webhook_burst_per_tenant},
                            writer, credentials, clock);
  if (config.systeme.webhook_secrets.empty()) {
    log::warn("systeme.webhook_secrets is empty: every account webhook will be refused with 401");
  }

  // Raw bodies past retention.raw_body_days, hourly; the first pass a minute after start.
  PeriodicTask retention("retention", std::chrono::minutes(1), std::chrono::hours(1),
                         [url = config.database.url, days = config.retention.raw_body_days] {
                           auto connection = store::connect(url);
                           if (!connection) throw std::runtime_error(connection.error().message);
                           const auto report = store::prune(**connection, days);
                           if (report.bodies_dropped > 0 || report.fingerprints_deleted > 0) {
                             log::info("retention pass", {{"bodies_dropped", report.bodies_dropped},
                                                          {"fingerprints_deleted", report.fingerprints_deleted}});
                           }
                         });
  retention.start();

  // The gauges read from the database (unrouted deliveries, outbox, open findings), every 10 s,
  // on a connection kept between samples.
  auto sample_connection = std::make_shared<std::unique_ptr<pqxx::connection>>();
  PeriodicTask sampler("metrics sample", std::chrono::seconds(1), std::chrono::seconds(10),
                       [url = config.database.url, sample_connection] {
                         auto& connection = *sample_connection;
                         if (!connection || !connection->is_open()) {
                           auto opened = store::connect(url);
                           if (!opened) {
                             metrics::database_error("sampler");
                             throw std::runtime_error(opened.error().message);
                           }
                           connection = std::move(*opened);
                         }
                         try {
                           sample_state(*connection);
                         } catch (const std::exception&) {
                           metrics::database_error("sampler");
                           connection.reset();
                           throw;
                         }
                       });
  sampler.start();

  // The reconciler, every reconcile.interval_seconds with jitter; one daemon at a time runs it.
  // Incremental runs, and a full one every reconcile.full_interval_seconds.
  const reconcile::SteadyClock steady_clock;
  reconcile::Schedule reconcile_schedule(config.database.url, std::chrono::seconds(config.reconcile.interval_seconds),
                                         std::chrono::seconds(config.reconcile.full_interval_seconds), steady_clock);
  PeriodicTask reconciler("reconcile", reconcile_schedule.first_delay(), reconcile_schedule.interval(),
                          [&reconcile_schedule] { reconcile_schedule.run_once(); }, 0.1);
  reconciler.start();

  // One connection, with a queue of its own, answers the admin API and the report page, so a
  // flood of tenant calls cannot delay them; the rest of the pool (at least one) the tenant API.
  DbExecutor admin_executor(config.database.url, 1, 100, "admin");
  admin_executor.start();
  const int tenant_connections = std::max(1, config.database.pool_size - config.database.pool_size / 2 - 1);
  DbExecutor executor(config.database.url, tenant_connections, 1000);
  executor.start();
  TenantApi tenant_api(config.leads.duplicate_policy, config.http.max_json_depth, credentials, executor, config.api);
  AdminApi admin_api(config.admin.token, admin_executor, config.http.public_url.rfind("https://", 0) == 0,
                     config.http.max_json_depth);

  // Captured leads go to Systeme.io from the outbox; without an API key they wait in it.
  relay::OutboxPolicy outbox_policy;
  outbox_policy.max_json_depth = config.http.max_json_depth;
  relay::OutboxWorker outbox(config.database.url, config.systeme, outbox_policy);
  if (config.systeme.api_key.empty()) {
    log::warn("systeme.api_key is empty: captured leads are queued but not sent to Systeme.io");
  } else {
    outbox.start();
  }

  HttpServer http(config.http, readiness);
  webhooks.register_routes(http);
  tenant_api.register_routes(http);
  admin_api.register_routes(http);
  if (auto started = http.start(); !started) return report_error(started.error());

  const std::string base = http_url(config.http.listen, http.port());
  log::info("serving",
            {{"version", kVersion},
             {"commit", kCommit},
             {"http", base},
             {"healthz", base + "/healthz"},
             {"readyz", base + "/readyz"},
             {"metrics", http_url(config.metrics.listen, (*metrics_server)->port()) + "/metrics"},
             {"account_webhook_url", config.http.public_url + "/webhooks/systeme"},
             {"ready", readiness.ready()}});

  // The same, for a person at a terminal.
  std::cout << "clientflow-relay " << kVersion << " serving\n"
            << "  health:    " << base << "/healthz   readiness: " << base << "/readyz\n"
            << "  metrics:   " << http_url(config.metrics.listen, (*metrics_server)->port()) << "/metrics\n"
            << "  webhooks:  " << config.http.public_url << "/webhooks/systeme\n"
            << std::flush;

  // SIGHUP: the webhook secrets, admin token, Systeme.io key and rate, the tenant API's rate
  // limit, and log level (unless --log-level fixed it) apply at once; a config that does not load
  // changes nothing.
  wait_for_stop(signals, [&] {
    auto next = load_config(config_path);
    if (!next) {
      log::error("reload refused: the running config stays", {{"error", next.error().message}});
      return;
    }
    webhooks.set_secrets(next->systeme.webhook_secrets);
    admin_api.set_token(next->admin.token);
    tenant_api.set_limits(next->api);
    webhooks.set_rule_rate(next->ingest.rule_webhooks_per_second_per_tenant, next->ingest.rule_webhook_burst_per_tenant);
    outbox.reload(next->systeme);
    if (!outbox.running() && !next->systeme.api_key.empty()) outbox.start();
    if (!log_level) log::init(next->log.level);
    log::info("config reloaded", {{"applied", {"systeme.webhook_secrets", "admin.token", "systeme.api_key",
                                               "systeme.requests_per_second", "api.requests_per_second_per_tenant",
                                               "api.burst_per_tenant", "ingest.rule_webhooks_per_second_per_tenant",
                                               "ingest.rule_webhook_burst_per_tenant", "log.level"}},
                                  {"needs_restart", needing_restart(config, *next)}});
  });
  // New deliveries get 503 from now on; what is queued is stored and answered, then we exit.
  webhooks.stop_accepting();
  writer.drain(std::chrono::seconds(8));
  executor.stop();
  admin_executor.stop();
  // Give the last answers a moment to leave: Pistache drops unsent responses on shutdown.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  http.stop();
  credentials.stop();
  outbox.stop();
  reconciler.stop();
  retention.stop();
  sampler.stop();
  readiness.stop();
  log::info("stopped");
  return kExitOk;
}

}  // namespace cf::daemon
