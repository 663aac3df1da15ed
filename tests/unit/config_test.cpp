// Config loading: valid files, defaults, ${VAR} substitution, and one case per kind of error,
// each checked for the file, line and key path in its message.
#define BOOST_TEST_MODULE config
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>

#include "config/config.h"

using cf::parse_config;

namespace {

std::string error_of(const std::string& yaml) {
  auto result = parse_config(yaml, "test.yaml");
  BOOST_REQUIRE_MESSAGE(!result.ok(), "expected an error for:\n" + yaml);
  return result.error().message;
}

const char* kMinimal = "database:\n  url: postgresql:///clientflow\n";

}  // namespace

BOOST_AUTO_TEST_CASE(minimal_file_takes_documented_defaults) {
  auto config = parse_config(kMinimal, "test.yaml");
  BOOST_REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().message));
  BOOST_TEST(config->http.listen.host == "127.0.0.1");
  BOOST_TEST(config->http.listen.port == 8080);
  BOOST_TEST(config->http.public_url == "http://127.0.0.1:8080");
  BOOST_TEST(config->http.threads == 2);
  BOOST_TEST(config->http.max_body_bytes == 1048576u);
  BOOST_TEST(config->metrics.listen.port == 9464);
  BOOST_TEST(config->database.pool_size == 4);
  BOOST_TEST(config->systeme.api_base == "https://api.systeme.io/api");
  BOOST_TEST(config->systeme.webhook_secrets.empty());
  BOOST_TEST(config->systeme.requests_per_second == 4.0);
  BOOST_TEST(config->admin.token.empty());
  BOOST_TEST(config->privacy.erasure_key.empty());
  BOOST_TEST((config->leads.duplicate_policy == cf::DuplicatePolicy::allow));
  BOOST_TEST(config->reconcile.interval_seconds == 900);
  BOOST_TEST(config->reconcile.full_interval_seconds == 86400);
  BOOST_TEST(config->http.max_pending == 10000u);
  BOOST_TEST(config->retention.raw_body_days == 30);
  BOOST_TEST(config->http.max_pending_bytes == 67108864u);
  BOOST_TEST(config->http.max_json_depth == 64);
  BOOST_TEST(config->database.migration_url.empty());
  BOOST_TEST(config->ingest.max_clock_skew_seconds == 300);
  BOOST_TEST(config->ingest.rule_webhooks_per_second_per_tenant == 100.0);
  BOOST_TEST(config->ingest.rule_webhook_burst_per_tenant == 1000.0);
  BOOST_TEST(config->api.requests_per_second_per_tenant == 20.0);
  BOOST_TEST(config->api.burst_per_tenant == 40.0);
}

BOOST_AUTO_TEST_CASE(every_key_is_read) {
  const std::string yaml = R"(
http:
  listen: "0.0.0.0:9000"
  public_url: https://relay.example.com/
  threads: 8
  max_body_bytes: 2097152
  max_pending: 500
  max_pending_bytes: 2097152
  max_json_depth: 32
metrics:
  listen: "[::1]:9100"
database:
  url: postgresql://u:p@db/clientflow
  migration_url: postgresql://owner:q@db/clientflow
  pool_size: 16
ingest:
  max_clock_skew_seconds: 60
  rule_webhooks_per_second_per_tenant: 7.5
  rule_webhook_burst_per_tenant: 30
api:
  requests_per_second_per_tenant: 5
  burst_per_tenant: 10
systeme:
  api_base: http://127.0.0.1:1234/api
  api_key: key-1
  webhook_secrets: [old-secret, new-secret]
  requests_per_second: 2.5
admin:
  token: 0123456789abcdef0123456789abcdef
leads:
  duplicate_policy: reject
reconcile:
  interval_seconds: 60
retention:
  raw_body_days: 7
log:
  level: debug
)";
  auto config = parse_config(yaml, "test.yaml");
  BOOST_REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().message));
  BOOST_TEST(config->http.listen.str() == "0.0.0.0:9000");
  BOOST_TEST(config->http.public_url == "https://relay.example.com");
  BOOST_TEST(config->http.threads == 8);
  BOOST_TEST(config->http.max_body_bytes == 2097152u);
  BOOST_TEST(config->metrics.listen.host == "::1");
  BOOST_TEST(config->metrics.listen.port == 9100);
  BOOST_TEST(config->database.url.reveal() == "postgresql://u:p@db/clientflow");
  BOOST_TEST(config->database.pool_size == 16);
  BOOST_TEST(config->systeme.api_base == "http://127.0.0.1:1234/api");
  BOOST_TEST(config->systeme.api_key.reveal() == "key-1");
  BOOST_REQUIRE(config->systeme.webhook_secrets.size() == 2u);
  BOOST_TEST(config->systeme.webhook_secrets[1].reveal() == "new-secret");
  BOOST_TEST(config->systeme.requests_per_second == 2.5);
  BOOST_TEST(config->admin.token.reveal().size() == 32u);
  BOOST_TEST((config->leads.duplicate_policy == cf::DuplicatePolicy::reject));
  BOOST_TEST(config->reconcile.interval_seconds == 60);
  BOOST_TEST(config->http.max_pending == 500u);
  BOOST_TEST(config->retention.raw_body_days == 7);
  BOOST_TEST((config->log.level == cf::log::Level::debug));
  BOOST_TEST(config->http.max_pending_bytes == 2097152u);
  BOOST_TEST(config->http.max_json_depth == 32);
  BOOST_TEST(config->database.migration_url.reveal() == "postgresql://owner:q@db/clientflow");
  BOOST_TEST(config->ingest.max_clock_skew_seconds == 60);
  BOOST_TEST(config->ingest.rule_webhooks_per_second_per_tenant == 7.5);
  BOOST_TEST(config->ingest.rule_webhook_burst_per_tenant == 30.0);
  BOOST_TEST(config->api.requests_per_second_per_tenant == 5.0);
  BOOST_TEST(config->api.burst_per_tenant == 10.0);
}

BOOST_AUTO_TEST_CASE(unknown_top_level_key) {
  BOOST_TEST(error_of(std::string(kMinimal) + "htpp:\n  listen: x\n") == "test.yaml:3: htpp: unknown key");
}

BOOST_AUTO_TEST_CASE(unknown_nested_key) {
  BOOST_TEST(error_of(std::string(kMinimal) + "http:\n  thread: 4\n") == "test.yaml:4: http.thread: unknown key");
}

BOOST_AUTO_TEST_CASE(duplicate_key) {
  BOOST_TEST(error_of(std::string(kMinimal) + "http:\n  threads: 4\n  threads: 5\n") ==
             "test.yaml:5: http.threads: duplicate key");
}

BOOST_AUTO_TEST_CASE(wrong_type_integer) {
  BOOST_TEST(error_of(std::string(kMinimal) + "http:\n  threads: many\n") ==
             "test.yaml:4: http.threads: must be an integer");
}

BOOST_AUTO_TEST_CASE(wrong_type_mapping_for_scalar) {
  BOOST_TEST(error_of(std::string(kMinimal) + "http:\n  listen:\n    host: x\n") ==
             "test.yaml:5: http.listen: must be a scalar value");
}

BOOST_AUTO_TEST_CASE(wrong_type_scalar_for_section) {
  BOOST_TEST(error_of(std::string(kMinimal) + "http: 8080\n") == "test.yaml:3: http: must be a mapping");
}

BOOST_AUTO_TEST_CASE(wrong_type_scalar_for_list) {
  BOOST_TEST(error_of(std::string(kMinimal) + "systeme:\n  webhook_secrets: one\n") ==
             "test.yaml:4: systeme.webhook_secrets: must be a list of strings");
}

BOOST_AUTO_TEST_CASE(out_of_range_low_and_high) {
  BOOST_TEST(error_of(std::string(kMinimal) + "http:\n  threads: 0\n") ==
             "test.yaml:4: http.threads: must be between 1 and 256");
  BOOST_TEST(error_of(std::string(kMinimal) + "http:\n  threads: 257\n") ==
             "test.yaml:4: http.threads: must be between 1 and 256");
  BOOST_TEST(error_of(std::string(kMinimal) + "reconcile:\n  interval_seconds: 5\n") ==
             "test.yaml:4: reconcile.interval_seconds: must be between 10 and 604800");
  BOOST_TEST(error_of(std::string(kMinimal) + "systeme:\n  requests_per_second: 0\n") ==
             "test.yaml:4: systeme.requests_per_second: must be greater than 0 and at most 1000");
  BOOST_TEST(error_of(std::string(kMinimal) + "http:\n  max_json_depth: 7\n") ==
             "test.yaml:4: http.max_json_depth: must be between 8 and 1000");
  BOOST_TEST(error_of(std::string(kMinimal) + "ingest:\n  max_clock_skew_seconds: -1\n") ==
             "test.yaml:4: ingest.max_clock_skew_seconds: must be between 0 and 86400");
  BOOST_TEST(error_of(std::string(kMinimal) + "api:\n  burst_per_tenant: 0.5\n") ==
             "test.yaml:4: api.burst_per_tenant: must be at least 1");
}

BOOST_AUTO_TEST_CASE(invalid_choice) {
  BOOST_TEST(error_of(std::string(kMinimal) + "leads:\n  duplicate_policy: merge\n") ==
             "test.yaml:4: leads.duplicate_policy: must be one of: allow, reject");
}

BOOST_AUTO_TEST_CASE(invalid_listen_address) {
  BOOST_TEST(error_of(std::string(kMinimal) + "metrics:\n  listen: localhost\n") ==
             "test.yaml:4: metrics.listen: must be host:port with a port between 0 and 65535 (for "
             "example 127.0.0.1:8080)");
  BOOST_TEST(error_of(std::string(kMinimal) + "metrics:\n  listen: \"127.0.0.1:70000\"\n").find(
                 "test.yaml:4: metrics.listen:") == 0u);
}

BOOST_AUTO_TEST_CASE(invalid_urls) {
  BOOST_TEST(error_of(std::string(kMinimal) + "http:\n  public_url: relay.example.com\n") ==
             "test.yaml:4: http.public_url: must start with https:// (or http:// for local use)");
  BOOST_TEST(error_of(std::string(kMinimal) + "systeme:\n  api_base: ftp://x\n") ==
             "test.yaml:4: systeme.api_base: must be an http:// or https:// URL");
}

BOOST_AUTO_TEST_CASE(missing_required_database_url) {
  BOOST_TEST(error_of("http:\n  threads: 2\n") == "test.yaml:1: database.url: is required");
}

BOOST_AUTO_TEST_CASE(yaml_syntax_error_names_line) {
  BOOST_TEST(error_of(std::string(kMinimal) + "http:\n  threads: [1, 2\n").find("test.yaml:") == 0u);
  BOOST_TEST(error_of(std::string(kMinimal) + "http:\n  threads: [1, 2\n").find("YAML syntax error") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(several_problems_are_all_reported) {
  const auto message = error_of(std::string(kMinimal) + "http:\n  threads: 0\n  bogus: 1\n");
  BOOST_TEST(message == "test.yaml:5: http.bogus: unknown key\ntest.yaml:4: http.threads: must be between 1 and 256");
}

BOOST_AUTO_TEST_CASE(environment_substitution) {
  setenv("CF_TEST_DB", "postgresql://from-env/db", 1);
  setenv("CF_TEST_EMPTY", "", 1);
  unsetenv("CF_TEST_UNSET");
  auto config = parse_config(
      "database:\n  url: ${CF_TEST_DB}\nsysteme:\n  api_key: ${CF_TEST_UNSET:-fallback}-$${literal}\n"
      "  api_base: http://${CF_TEST_EMPTY:-127.0.0.1}:1/api\n",
      "test.yaml");
  BOOST_REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().message));
  BOOST_TEST(config->database.url.reveal() == "postgresql://from-env/db");
  BOOST_TEST(config->systeme.api_key.reveal() == "fallback-${literal}");
  BOOST_TEST(config->systeme.api_base == "http://127.0.0.1:1/api");
}

BOOST_AUTO_TEST_CASE(unset_environment_variable_is_named) {
  unsetenv("CF_TEST_UNSET");
  BOOST_TEST(error_of("database:\n  url: ${CF_TEST_UNSET}\n") ==
             "test.yaml:2: database.url: environment variable CF_TEST_UNSET is not set");
  BOOST_TEST(error_of("database:\n  url: \"${unterminated\"\n") ==
             "test.yaml:2: database.url: unterminated ${...} reference");
}

BOOST_AUTO_TEST_CASE(secrets_never_appear_in_errors) {
  const std::string secret = "s3cr3t-value-that-must-not-leak";
  const auto short_token = error_of(std::string(kMinimal) + "admin:\n  token: " + secret + "\n");
  BOOST_TEST(short_token == "test.yaml:4: admin.token: must be at least 32 characters (or empty to close the admin API)");
  const auto short_key = error_of(std::string(kMinimal) + "privacy:\n  erasure_key: " + secret + "\n");
  BOOST_TEST(short_key == "test.yaml:4: privacy.erasure_key: must be at least 32 characters (or empty: no erasure)");
  const auto list_item = error_of(std::string(kMinimal) + "systeme:\n  webhook_secrets: [\"" + secret +
                                  "\", {k: " + secret + "}]\n");
  BOOST_TEST(list_item.find(secret) == std::string::npos);
  BOOST_TEST(list_item == "test.yaml:4: systeme.webhook_secrets[1]: must be a string");
  const auto bad_url = error_of("database:\n  url: [" + secret + "]\n");
  BOOST_TEST(bad_url.find(secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_file) {
  auto result = cf::load_config("/nonexistent/clientflow.yaml");
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().message == "/nonexistent/clientflow.yaml: cannot open config file");
}

BOOST_AUTO_TEST_CASE(example_config_is_valid) {
  setenv("CLIENTFLOW_DATABASE_URL", "postgresql:///clientflow", 1);
  setenv("SYSTEME_WEBHOOK_SECRET", "example-secret", 1);
  auto result = cf::load_config(CLIENTFLOW_SOURCE_DIR "/config/example.yaml");
  BOOST_REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
  BOOST_TEST(result->database.url.reveal() == "postgresql:///clientflow");
}
