// needing_restart: what a SIGHUP reload reports it could not apply, for each key a restart
// needs, and nothing for the keys a reload applies.
#define BOOST_TEST_MODULE config_reload
#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/reload.h"

namespace {

cf::Config running() {
  auto config = cf::parse_config("database:\n  url: postgresql:///clientflow\n", "test.yaml");
  BOOST_REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().message));
  return *config;
}

std::vector<std::string> after(const std::function<void(cf::Config&)>& change) {
  cf::Config next = running();
  change(next);
  return cf::needing_restart(running(), next);
}

using Keys = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_CASE(the_same_config_needs_no_restart) {
  BOOST_TEST(cf::needing_restart(running(), running()).empty());
}

BOOST_AUTO_TEST_CASE(what_a_reload_applies_needs_no_restart) {
  const auto keys = after([](cf::Config& c) {
    c.systeme.webhook_secrets = {cf::Secret("another secret")};
    c.admin.token = cf::Secret("another token");
    c.systeme.api_key = cf::Secret("another key");
    c.systeme.requests_per_second = c.systeme.requests_per_second + 1;
    c.api.requests_per_second_per_tenant = c.api.requests_per_second_per_tenant + 1;
    c.api.burst_per_tenant = c.api.burst_per_tenant + 1;
    c.ingest.rule_webhooks_per_second_per_tenant = c.ingest.rule_webhooks_per_second_per_tenant + 1;
    c.ingest.rule_webhook_burst_per_tenant = c.ingest.rule_webhook_burst_per_tenant + 1;
    c.log.level = cf::log::Level::debug;
  });
  BOOST_TEST(keys.empty());
}

BOOST_AUTO_TEST_CASE(each_key_only_a_restart_applies_is_named) {
  BOOST_TEST(after([](cf::Config& c) { c.http.listen.port = 9; }) == Keys{"http.listen"});
  BOOST_TEST(after([](cf::Config& c) { c.http.public_url = "https://relay.example"; }) == Keys{"http.public_url"});
  BOOST_TEST(after([](cf::Config& c) { c.http.threads = 7; }) == Keys{"http.threads"});
  BOOST_TEST(after([](cf::Config& c) { c.http.max_body_bytes = 7; }) == Keys{"http.max_body_bytes"});
  BOOST_TEST(after([](cf::Config& c) { c.http.max_pending = 7; }) == Keys{"http.max_pending"});
  BOOST_TEST(after([](cf::Config& c) { c.http.max_pending_bytes = 7; }) == Keys{"http.max_pending_bytes"});
  BOOST_TEST(after([](cf::Config& c) { c.http.max_json_depth = 7; }) == Keys{"http.max_json_depth"});
  BOOST_TEST(after([](cf::Config& c) { c.metrics.listen.host = "0.0.0.0"; }) == Keys{"metrics.listen"});
  BOOST_TEST(after([](cf::Config& c) { c.database.url = cf::Secret("postgresql:///other"); }) == Keys{"database.url"});
  BOOST_TEST(after([](cf::Config& c) { c.database.pool_size = 7; }) == Keys{"database.pool_size"});
  BOOST_TEST(after([](cf::Config& c) { c.systeme.api_base = "https://other.example"; }) == Keys{"systeme.api_base"});
  BOOST_TEST(after([](cf::Config& c) { c.reconcile.interval_seconds = 7; }) == Keys{"reconcile.interval_seconds"});
  BOOST_TEST(after([](cf::Config& c) { c.reconcile.full_interval_seconds = 7; }) == Keys{"reconcile.full_interval_seconds"});
  BOOST_TEST(after([](cf::Config& c) { c.retention.raw_body_days = 7; }) == Keys{"retention.raw_body_days"});
  BOOST_TEST(after([](cf::Config& c) { c.leads.duplicate_policy = cf::DuplicatePolicy::reject; }) ==
             Keys{"leads.duplicate_policy"});
  BOOST_TEST(after([](cf::Config& c) { c.ingest.max_clock_skew_seconds = 7; }) == Keys{"ingest.max_clock_skew_seconds"});
}

BOOST_AUTO_TEST_CASE(several_changes_are_named_together) {
  const auto keys = after([](cf::Config& c) {
    c.http.threads = 7;
    c.admin.token = cf::Secret("another token");
    c.retention.raw_body_days = 7;
  });
  BOOST_TEST(keys == (Keys{"http.threads", "retention.raw_body_days"}));
}
