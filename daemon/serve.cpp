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
#include "config/reload.h"
#include "daemon/commands.h"
#include "daemon/admin_api.h"
#include "daemon/background_work.h"
#include "daemon/credential_filter.h"
#include "daemon/db_executor.h"
#include "daemon/http_server.h"
#include "daemon/ingest_writer.h"
#include "daemon/webhook_endpoints.h"
#include "relay/outbox_worker.h"
#include "store/database.h"
#include "store/database_roles.h"
#include "daemon/daemon_metrics.h"
#include "daemon/metrics_server.h"
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

// Reads the zone names GET /v1/stats?tz= is checked against, once; with the database down, the
// first such request reads them.
void load_time_zones(const Secret& url, store::TimeZoneCatalog& catalog) {
  auto connection = store::connect(url);
  if (!connection) return;
  try {
    catalog.load(**connection);
  } catch (const std::exception& e) {
    log::warn("could not read PostgreSQL's time zone names", {{"error", e.what()}});
  }
}

std::string http_url(const ListenAddress& listen, std::uint16_t port) {
  ListenAddress bound = listen;
  bound.port = port;
  return "http://" + bound.str();
}

// How the store routes: clock skew in milliseconds, and the depth replays re-parse bodies with.
store::IngestOptions ingest_options(const Config& config) {
  return {static_cast<EpochMs>(config.ingest.max_clock_skew_seconds) * 1000, {config.http.max_json_depth},
          config.leads.convert_on_sale, config.privacy.erasure_key};
}

// Half the pool writes deliveries: more writers than cores only split batches (bench/README.md).
IngestWriter::Options writer_options(const Config& config, SchemaGuard& schema) {
  return {config.database.url, std::max(1, config.database.pool_size / 2), 256, config.http.max_pending,
          config.http.max_pending_bytes, ingest_options(config), &schema};
}

WebhookSettings webhook_settings(const Config& config) {
  const store::IngestOptions ingest = ingest_options(config);
  return {config.systeme.webhook_secrets, ingest.parse, ingest.max_clock_skew_ms,
          config.ingest.rule_webhooks_per_second_per_tenant, config.ingest.rule_webhook_burst_per_tenant};
}

relay::OutboxPolicy outbox_policy(const Config& config) {
  relay::OutboxPolicy policy;
  policy.max_json_depth = config.http.max_json_depth;
  return policy;
}

// The tenant API's connections: what the writers (half the pool) and the admin's one leave, at least one.
int tenant_connections(const Config& config) {
  return std::max(1, config.database.pool_size - config.database.pool_size / 2 - 1);
}

// The admin session cookie is marked Secure when the public URL is https.
bool secure_cookies(const Config& config) { return config.http.public_url.rfind("https://", 0) == 0; }

// The routes of the webhook receivers, the tenant API and the admin API (docs/openapi.yaml).
void register_routes(HttpServer& http, WebhookEndpoints& webhooks, TenantApi& tenant_api, AdminApi& admin_api) {
  webhooks.register_routes(http);
  tenant_api.register_routes(http);
  admin_api.register_routes(http);
}

// Logs at warn what an empty Systeme.io credential leaves undone.
void warn_about_empty_credentials(const SystemeConfig& systeme) {
  if (systeme.webhook_secrets.empty()) {
    log::warn("systeme.webhook_secrets is empty: every account webhook will be refused with 401");
  }
  if (systeme.api_key.empty()) {
    log::warn("systeme.api_key is empty: captured leads are queued but not sent to Systeme.io");
  }
}

// What a reload changes in the running daemon.
struct Reloadables {
  WebhookEndpoints& webhooks;
  AdminApi& admin_api;
  TenantApi& tenant_api;
  relay::OutboxWorker& outbox;
};

// SIGHUP: the webhook secrets, admin token, Systeme.io key and rate, the tenant API's rate
// limit, and log level (unless --log-level fixed it) apply at once; the keys that need a restart
// are logged. A config that does not load changes nothing.
void reload(const std::string& config_path, const Config& running, std::optional<log::Level> log_level,
            const Reloadables& parts) {
  auto next = load_config(config_path);
  if (!next) {
    log::error("reload refused: the running config stays", {{"error", next.error().message}});
    return;
  }
  parts.webhooks.set_secrets(next->systeme.webhook_secrets);
  parts.admin_api.set_token(next->admin.token);
  parts.tenant_api.set_limits(next->api);
  parts.webhooks.set_rule_rate(next->ingest.rule_webhooks_per_second_per_tenant, next->ingest.rule_webhook_burst_per_tenant);
  parts.outbox.reload(next->systeme);
  if (!parts.outbox.running() && !next->systeme.api_key.empty()) parts.outbox.start();
  if (!log_level) log::init(next->log.level);
  log::info("config reloaded", {{"applied", {"systeme.webhook_secrets", "admin.token", "systeme.api_key",
                                             "systeme.requests_per_second", "api.requests_per_second_per_tenant",
                                             "api.burst_per_tenant", "ingest.rule_webhooks_per_second_per_tenant",
                                             "ingest.rule_webhook_burst_per_tenant", "log.level"}},
                                {"needs_restart", needing_restart(running, *next)}});
}

// Logs where the daemon serves (its addresses, the URL to give Systeme.io, whether it is ready),
// and prints the same for a person at a terminal.
void announce_serving(const Config& config, std::uint16_t http_port, std::uint16_t metrics_port, bool ready) {
  const std::string base = http_url(config.http.listen, http_port);
  const std::string metrics = http_url(config.metrics.listen, metrics_port) + "/metrics";
  log::info("serving",
            {{"version", kVersion},
             {"commit", kCommit},
             {"http", base},
             {"healthz", base + "/healthz"},
             {"readyz", base + "/readyz"},
             {"metrics", metrics},
             {"account_webhook_url", config.http.public_url + "/webhooks/systeme"},
             {"ready", ready}});
  std::cout << "clientflow-relay " << kVersion << " serving\n"
            << "  health:    " << base << "/healthz   readiness: " << base << "/readyz\n"
            << "  metrics:   " << metrics << "\n"
            << "  webhooks:  " << config.http.public_url << "/webhooks/systeme\n"
            << std::flush;
}

}  // namespace

int serve(const std::string& config_path, std::optional<log::Level> log_level) {
  auto loaded = load_config(config_path);
  if (!loaded) return report_error(loaded.error());
  const Config& config = *loaded;
  log::init(log_level.value_or(config.log.level));
  const sigset_t signals = block_signals();

  // A delivery is stored only while the schema is this binary's (daemon/schema_guard.h).
  SchemaGuard schema;
  Readiness readiness(config.database.url, std::chrono::seconds(2), schema);
  readiness.start();
  warn_about_database_role(config.database.url);

  auto metrics_server = MetricsServer::start(config.metrics.listen);
  if (!metrics_server) return report_error(metrics_server.error());
  metrics::initialize();

  IngestWriter writer(writer_options(config, schema));
  writer.start();
  // Every tenant's credential hashes, so unknown rule tokens and API keys cost no query.
  CredentialFilter credentials({config.database.url});
  credentials.start();
  SystemClock clock;
  WebhookEndpoints webhooks(webhook_settings(config), writer, credentials, clock);
  warn_about_empty_credentials(config.systeme);

  // Retention, the gauges' sampler and the reconciler, each on a thread of its own.
  BackgroundWork background(config);
  background.start();

  // One connection, with a queue of its own, answers the admin API and the report page, so a
  // flood of tenant calls cannot delay them; the rest of the pool (at least one) the tenant API.
  DbExecutor admin_executor(config.database.url, 1, 100, "admin");
  admin_executor.start();
  DbExecutor executor(config.database.url, tenant_connections(config), 1000);
  executor.start();
  TenantApi tenant_api(config.leads.duplicate_policy, config.http.max_json_depth, credentials, executor, config.api,
                       config.privacy.erasure_key);
  load_time_zones(config.database.url, tenant_api.time_zones());
  AdminApi admin_api(config.admin.token, admin_executor, secure_cookies(config), config.http.max_json_depth);

  // Captured leads go to Systeme.io from the outbox; without an API key they wait in it.
  relay::OutboxWorker outbox(config.database.url, config.systeme, outbox_policy(config));
  if (!config.systeme.api_key.empty()) outbox.start();

  HttpServer http(config.http, readiness);
  register_routes(http, webhooks, tenant_api, admin_api);
  if (auto started = http.start(); !started) return report_error(started.error());

  announce_serving(config, http.port(), (*metrics_server)->port(), readiness.ready());
  wait_for_stop(signals, [&] { reload(config_path, config, log_level, {webhooks, admin_api, tenant_api, outbox}); });
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
  background.stop();
  readiness.stop();
  log::info("stopped");
  return kExitOk;
}

}  // namespace cf::daemon
