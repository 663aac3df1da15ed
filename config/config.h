// Config: the daemon's settings, loaded from YAML and validated once, then read-only.
// load_config() turns a file into a Config or into an error that names the file, the line and
// the key path of every problem (`config.yaml:12: http.threads: must be between 1 and 256`).
// Unknown keys, wrong types and out-of-range values are errors; `${VAR}` (or `${VAR:-default}`)
// in a value is replaced from the environment, and an unset variable is an error naming it.
// Secret values never appear in errors. Every key, with its default, is documented in
// config/example.yaml. A Config is a plain value: share it between threads as const.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "config/secret.h"

namespace cf {

// host:port as written in the config; port 0 asks the kernel for a free one.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
  std::string str() const;
};

struct HttpConfig {
  ListenAddress listen{"127.0.0.1", 8080};
  std::string public_url;  // no trailing slash; defaults to http://<listen>
  int threads = 2;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_pending = 10000;  // deliveries queued for the writers before 503
  std::size_t max_pending_bytes = 64 * 1024 * 1024;  // their bodies' bytes, before 503
  int max_json_depth = 64;  // nesting levels of a JSON body beyond which it is refused
};

struct MetricsConfig {
  ListenAddress listen{"127.0.0.1", 9464};
};

struct DatabaseConfig {
  Secret url;  // libpq URL or key=value string; may hold a password
  // The schema owner's connection, for `migrate` only; empty: `url` (one role for both).
  Secret migration_url;
  int pool_size = 4;
};

struct IngestConfig {
  // A signed event stamped further than this past its receipt is ordered by its receipt.
  int max_clock_skew_seconds = 300;
  // Rule webhooks each tenant may send this daemon a second, and the burst above that rate.
  double rule_webhooks_per_second_per_tenant = 100;
  double rule_webhook_burst_per_tenant = 1000;
};

struct ApiConfig {
  double requests_per_second_per_tenant = 20;  // tenant API, per daemon
  double burst_per_tenant = 40;
};

struct SystemeConfig {
  std::string api_base = "https://api.systeme.io/api";
  Secret api_key;
  std::vector<Secret> webhook_secrets;  // every one verifies, for rotation
  double requests_per_second = 4.0;
  int timeout_seconds = 10;  // whole-request timeout of each API call
  int job_lease_seconds = 120;  // how long a claimed sync job is this daemon's before others may retry it
};

struct AdminConfig {
  Secret token;  // empty: the admin API is closed
};

enum class DuplicatePolicy { allow, reject };

struct LeadsConfig {
  DuplicatePolicy duplicate_policy = DuplicatePolicy::allow;
  // A routed SALE_NEW (not undone by a SALE_CANCELED of its order) converts the lead.
  bool convert_on_sale = true;
};

struct PrivacyConfig {
  // Key of the erasure marks (HMAC-SHA256 of an erased person's email and contact ids). Empty:
  // erasure is refused and no marks are checked. Never change it: older marks would stop matching.
  Secret erasure_key;
};

struct ReconcileConfig {
  int interval_seconds = 900;
  int full_interval_seconds = 86400;  // between full runs; the runs in between are incremental
};

struct RetentionConfig {
  int raw_body_days = 30;
};

struct LogConfig {
  log::Level level = log::Level::info;
};

struct Config {
  std::string source;  // the file it was loaded from
  HttpConfig http;
  MetricsConfig metrics;
  DatabaseConfig database;
  IngestConfig ingest;
  ApiConfig api;
  SystemeConfig systeme;
  AdminConfig admin;
  LeadsConfig leads;
  PrivacyConfig privacy;
  ReconcileConfig reconcile;
  RetentionConfig retention;
  LogConfig log;
};

// Reads and validates `path`. On failure the error's message holds one line per problem.
Result<Config> load_config(const std::string& path);

// Same, from YAML text; `source_name` stands for the file name in messages.
Result<Config> parse_config(const std::string& yaml_text, const std::string& source_name);

}  // namespace cf
