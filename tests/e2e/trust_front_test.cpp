// The HTTP front through the real binary: nothing from outside is parsed, queued or recursed on
// before it is cheap to refuse. A body nested 200,000 levels deep (about 400 KB) is refused on
// every endpoint without killing the daemon; deeply nested data from an authenticated sender is
// kept as malformed (webhooks) or answered 400 (tenant and admin APIs); unknown rule tokens and
// API keys are refused from memory, so a flood of them costs the database nothing and does not
// slow signed deliveries, while a credential made a moment ago by the CLI works at once.
#define BOOST_TEST_MODULE trust_front
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <atomic>
#include <cmath>
#include <chrono>
#include <thread>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "store/ingest_store.h"
#include "tests/support/two_tenants.h"

using namespace cf::testing;
using nlohmann::json;

namespace {

// {"contact":{"id":1,"fields":{"a":[[[...]]]}}} with `levels` nested arrays under the field.
std::string nested_fields_body(int levels) {
  return R"({"contact":{"id":1,"fields":{"a":)" + std::string(static_cast<std::size_t>(levels), '[') +
         std::string(static_cast<std::size_t>(levels), ']') + "}}}";
}

// The value of one series in a Prometheus exposition (`series` as printed, labels included); -1
// when it is not there.
double metric(const std::string& exposition, const std::string& series) {
  const auto at = exposition.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(exposition.substr(at + series.size() + 2));
}

struct Front : TwoTenants {
  std::unique_ptr<Background> daemon;
  std::string base, config, metrics_url;
  int delivered = 0;

  // `http` and `database` extend those sections of the config; `sections` adds others.
  explicit Front(const std::string& http = "", const std::string& database = "", const std::string& sections = "") {
    config = write_relay_config(db.url(), database + "http:\n  listen: \"127.0.0.1:0\"\n  max_body_bytes: 4194304\n" + http +
                                              "metrics:\n  listen: \"127.0.0.1:0\"\nadmin:\n  token: " + admin_token +
                                              "\nsysteme:\n  webhook_secrets: [" + secret + "]\n" + sections);
    auto serving = serve(config);
    daemon = std::move(serving.daemon);
    base = serving.base;
    metrics_url = serving.line["metrics"];
  }
  // Stops cleanly (and, in the sanitizer build, without a report, which would change the exit code).
  ~Front() { BOOST_TEST(daemon->stop(SIGTERM) == 0, daemon->err().substr(0, 4000)); }

  double metric_now(const std::string& series) { return metric(http_get(metrics_url).body, series); }

  long long count(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<long long>();
  }
  // The daemon still answers: /healthz, and a signed delivery is stored (its row counted).
  void still_serving(const std::string& after) {
    BOOST_REQUIRE_MESSAGE(daemon->running(), "the daemon died after " << after << "\n" << daemon->err());
    BOOST_TEST(http_get(base + "/healthz").status == 200, "healthz after " << after);
    const std::string id = "still-" + std::to_string(delivered++);
    const auto r = post_account_webhook(base, secret, "CONTACT_TAG_ADDED",
                                        tag_body(5000 + delivered, id + "@example.com", "ib-aaa111-ok"), id);
    BOOST_TEST(r.status == 200, "delivery after " << after << ": " << r.status << " " << r.body);
    BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE dedup_key = 'msg:" + id + "'") == 1, after);
  }
  // `answer` says malformed; the delivery is the one stored as such, beside those still_serving made.
  void kept_as_malformed(const HttpResponse& answer) {
    BOOST_TEST(answer.status == 200);
    BOOST_TEST(answer.body == R"({"status":"malformed"})");
    still_serving("a deep body kept as malformed");
    BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE status = 'malformed' AND detail = 'body nested deeper than 64 levels'") == 1);
    BOOST_TEST(count("SELECT count(*) FROM webhook_events") == 1 + delivered);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_body_nested_200000_levels_deep_on_a_rule_url_is_refused_cheaply, Front) {
  // 400 KB: over the 64 KiB a rule webhook may carry, so 413 whatever the token.
  const std::string deep = nested_fields_body(200000);
  BOOST_REQUIRE_GT(deep.size(), 400000u);
  for (const std::string& token : {std::string(40, 'x'), *a.keys.rule_token}) {
    const auto refused = http_request("POST", base + "/webhooks/systeme/rules/" + token + "/email-opened", deep);
    BOOST_TEST(refused.status == 413);
    BOOST_TEST(refused.body == R"({"error":"body too large"})");
  }
  still_serving("a deep 400 KB body on a rule URL");
  // 20,000 levels (40 KB): with a token nobody holds, 401, and nothing is stored.
  const std::string deep_but_small = nested_fields_body(20000);
  const auto unknown = http_request("POST", base + "/webhooks/systeme/rules/" + std::string(40, 'x') + "/email-opened", deep_but_small);
  BOOST_TEST(unknown.status == 401);
  BOOST_TEST(unknown.body == R"({"error":"unknown rule token"})");
  still_serving("a deep body on an unknown rule token");
  // With a real token: kept as malformed, 200.
  kept_as_malformed(http_request("POST", base + "/webhooks/systeme/rules/" + *a.keys.rule_token + "/email-opened", deep_but_small));
}

BOOST_FIXTURE_TEST_CASE(a_body_nested_200000_levels_deep_signed_on_the_account_endpoint_is_kept_as_malformed, Front) {
  const std::string deep = nested_fields_body(200000);
  // Under a wrong signature: 401.
  BOOST_TEST(post_account_webhook(base, "wrong-secret", "CONTACT_CREATED", deep, "deep-0").status == 401);
  still_serving("a deep body under a wrong signature");
  kept_as_malformed(post_account_webhook(base, secret, "CONTACT_CREATED", deep, "deep-1"));
}

BOOST_FIXTURE_TEST_CASE(a_body_nested_200000_levels_deep_as_a_tenant_api_capture_is_400, Front) {
  const std::string deep = nested_fields_body(200000);
  BOOST_TEST(api_request("POST", base + "/v1/leads", "cfk_wrong", deep).status == 401);
  still_serving("a deep capture with a wrong key");
  const auto capture = api_request("POST", base + "/v1/leads", *a.keys.api_key, deep);
  BOOST_TEST(capture.status == 400);
  BOOST_TEST(capture.body == R"({"error":"body nested deeper than 64 levels"})");
  still_serving("a deep capture");
  BOOST_TEST(count("SELECT count(*) FROM leads") == delivered);
}

BOOST_FIXTURE_TEST_CASE(a_body_nested_200000_levels_deep_as_an_admin_api_body_is_400, Front) {
  const std::string deep = nested_fields_body(200000);
  BOOST_TEST(api_request("POST", base + "/admin/findings/1/acknowledge", "wrong", deep).status == 401);
  still_serving("a deep admin body with a wrong token");
  const auto admin = api_request("POST", base + "/admin/findings/1/acknowledge", admin_token, deep);
  BOOST_TEST(admin.status == 400);
  BOOST_TEST(admin.body == R"({"error":"body nested deeper than 64 levels"})");
  still_serving("a deep admin body");
}

namespace {
struct SmallQueue : Front {
  // One writer, and a queue of at most 1 MiB of bodies.
  SmallQueue() : Front("  max_pending_bytes: 1048576\n", "  pool_size: 2\n") {}
};
}  // namespace

BOOST_FIXTURE_TEST_CASE(a_flood_of_wrong_tokens_and_keys_costs_no_query_and_does_not_slow_signed_deliveries, Front) {
  constexpr int kEach = 2000, kThreads = 4;
  std::atomic<int> signed_ok{0}, tokens_refused{0}, keys_refused{0}, other{0};
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {  // signed deliveries
      for (int i = t; i < kEach; i += kThreads) {
        const std::string id = "flood-" + std::to_string(i);
        const auto r = post_account_webhook(base, secret, "CONTACT_TAG_ADDED",
                                            tag_body(10000 + i, id + "@example.com", "ib-aaa111-flood"), id);
        (r.status == 200 ? signed_ok : other)++;
      }
    });
    threads.emplace_back([&, t] {  // rule tokens of the right shape that no tenant holds
      for (int i = t; i < kEach; i += kThreads) {
        std::string token = "0000000000000000000000000000000000000000" + std::to_string(i);
        token = token.substr(token.size() - 40);
        const auto r = http_request("POST", base + "/webhooks/systeme/rules/" + token + "/email-opened", rule_body(1, "x@example.com"));
        (r.status == 401 && r.body == R"({"error":"unknown rule token"})" ? tokens_refused : other)++;
      }
    });
    threads.emplace_back([&, t] {  // API keys no tenant holds
      for (int i = t; i < kEach; i += kThreads) {
        const auto r = api_request("GET", base + "/v1/stats", "cfk_" + std::to_string(i));
        (r.status == 401 && r.body == R"({"error":"missing or invalid API key"})" ? keys_refused : other)++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  BOOST_TEST(signed_ok == kEach);
  BOOST_TEST(tokens_refused == kEach);
  BOOST_TEST(keys_refused == kEach);
  BOOST_TEST(other == 0);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE dedup_key LIKE 'msg:flood-%'") == kEach);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events") == kEach);
  // The wrong ones never reached the writers' queue or a database thread: every delivery the
  // writers committed is a signed one, and each wrong credential was refused from memory. The
  // filter read the tenants table again at most once a second for all of them.
  const std::string exposition = http_get(metrics_url).body;
  BOOST_TEST(metric(exposition, "clientflow_ingest_batch_deliveries_sum") == kEach);
  BOOST_TEST(metric(exposition, R"(clientflow_credentials_refused_total{credential="rule_token"})") == kEach);
  BOOST_TEST(metric(exposition, R"(clientflow_credentials_refused_total{credential="api_key"})") == kEach);
  BOOST_TEST(metric(exposition, R"(clientflow_webhook_deliveries_total{endpoint="rule",event_type="rule",outcome="unauthorized"})") == kEach);
  BOOST_TEST(metric(exposition, R"(clientflow_credentials_reloads_total{trigger="miss"})") <= 1 + std::ceil(seconds));
  still_serving("the flood");
}

BOOST_FIXTURE_TEST_CASE(a_rule_token_made_a_moment_ago_by_the_cli_works_at_once, Front) {
  const auto added = run({relay_binary(), "tenant", "add", "--name", "C", "--email", "c@example.com", "--config", config});
  BOOST_REQUIRE(added.exit_code == 0);
  const std::string token = json::parse(added.out)["rule_token"];
  const auto r = http_request("POST", base + "/webhooks/systeme/rules/" + token + "/email-opened", rule_body(7, "c7@example.com"));
  BOOST_TEST(r.status == 200, r.body);
  // Re-keyed by another process: PostgreSQL notifies the daemon, which reloads; then the new
  // token works and the old one is refused.
  const std::string id = json::parse(added.out)["id"];
  const std::string notified = R"(clientflow_credentials_reloads_total{trigger="notify"})";
  BOOST_REQUIRE(eventually([&] { return metric_now(notified) == 1; }));  // the one for `tenant add`
  const double before = metric_now(notified);
  const auto rotated = run({relay_binary(), "tenant", "rotate-keys", "--tenant", id, "--rule-token", "--config", config});
  BOOST_REQUIRE(rotated.exit_code == 0);
  BOOST_TEST(eventually([&] { return metric_now(notified) > before; }));
  const std::string fresh = json::parse(rotated.out)["rule_token"];
  BOOST_TEST(http_request("POST", base + "/webhooks/systeme/rules/" + fresh + "/email-opened", rule_body(8, "c8@example.com")).status == 200);
  BOOST_TEST(http_request("POST", base + "/webhooks/systeme/rules/" + token + "/email-opened", rule_body(9, "c9@example.com")).status == 401);
}

BOOST_FIXTURE_TEST_CASE(an_api_key_made_a_moment_ago_by_the_cli_works_at_once, Front) {
  const auto added = run({relay_binary(), "tenant", "add", "--name", "C", "--email", "c@example.com", "--config", config});
  BOOST_REQUIRE(added.exit_code == 0);
  const auto r = api_request("GET", base + "/v1/stats", json::parse(added.out)["api_key"]);
  BOOST_TEST(r.status == 200, r.body);
}

BOOST_FIXTURE_TEST_CASE(a_queue_full_of_bytes_answers_503_and_loses_nothing, SmallQueue) {
  // A body of about 400 KB, signed: two fit in the 1 MiB queue, a third does not.
  const auto big = [](int n) {
    return json{{"contact", {{"id", 100 + n}, {"email", "big" + std::to_string(n) + "@example.com"},
                             {"fields", {{"notes", std::string(400 * 1024, 'x')}}}, {"tags", json::array()}}}}
        .dump();
  };
  // The one writer is held on a person's lock, inside its batch.
  auto holder = db.connect();
  pqxx::work held(*holder);
  cf::store::lock_people(held, {"held@example.com"}, {});
  std::vector<std::thread> waiting;
  std::vector<long> statuses(3, 0);
  waiting.emplace_back([&] {
    statuses[0] = post_account_webhook(base, secret, "CONTACT_CREATED", contact_body(1, "held@example.com", {}), "q-0").status;
  });
  BOOST_REQUIRE(eventually([&] { return count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 1; }));
  for (int n = 1; n <= 2; ++n) {
    waiting.emplace_back([&, n] {
      statuses[static_cast<std::size_t>(n)] =
          post_account_webhook(base, secret, "CONTACT_CREATED", big(n), "q-" + std::to_string(n)).status;
    });
    BOOST_REQUIRE(eventually([&] { return metric_now("clientflow_ingest_queue_deliveries") == n; }));
  }
  BOOST_TEST(metric_now("clientflow_ingest_queue_bytes") > 800 * 1024);
  const auto refused = post_account_webhook(base, secret, "CONTACT_CREATED", big(3), "q-3");
  BOOST_TEST(refused.status == 503);
  BOOST_TEST(refused.headers.count("retry-after") == 1u);
  held.abort();
  for (auto& thread : waiting) thread.join();
  BOOST_TEST((statuses == std::vector<long>{200, 200, 200}));
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE dedup_key IN ('msg:q-0', 'msg:q-1', 'msg:q-2')") == 3);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE dedup_key = 'msg:q-3'") == 0);
  // Sent again, it is stored: nothing was lost.
  BOOST_TEST(post_account_webhook(base, secret, "CONTACT_CREATED", big(3), "q-3").status == 200);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE dedup_key = 'msg:q-3'") == 1);
}

BOOST_FIXTURE_TEST_CASE(a_cursor_number_that_does_not_fit_is_400_naming_cursor, Front) {
  for (const std::string number : {"99999999999999999999", "9999999999999999999", "9223372036854775807"}) {
    const auto r = api_request("GET", base + "/v1/leads?cursor=" + number + "_00000000-0000-4000-8000-000000000000", *a.keys.api_key);
    BOOST_TEST(r.status == 400, number << ": " << r.body);
    BOOST_TEST(json::parse(r.body, nullptr, false).value("field", "") == "cursor", number);
  }
  still_serving("cursors that do not fit");
}

// --- One tenant's rule URL cannot take what the others need -------------------------------------

namespace {
// A rule webhook body for contact `n`, distinct per n.
std::string rule_call(int n) { return rule_body(7000 + n, "flood" + std::to_string(n) + "@example.com"); }

HttpResponse post_rule(const std::string& base, const std::string& token, const std::string& body) {
  return http_request("POST", base + "/webhooks/systeme/rules/" + token + "/email-opened", body,
                      {{"Content-Type", "application/json"}});
}

struct RuleLimits : Front {
  // Each tenant's rule URL takes a burst of 5, then (almost) nothing: 0.01 a second.
  RuleLimits() : Front("", "", "ingest:\n  rule_webhooks_per_second_per_tenant: 0.01\n  rule_webhook_burst_per_tenant: 5\n") {}
};
}  // namespace

BOOST_FIXTURE_TEST_CASE(a_flood_on_one_tenants_rule_url_is_held_to_its_rate, RuleLimits) {
  int admitted = 0, limited = 0, limited_with_retry_after = 0;
  for (int n = 0; n < 20; ++n) {
    const auto r = post_rule(base, *a.keys.rule_token, rule_call(n));
    if (r.status == 200) ++admitted;
    if (r.status == 429) {
      ++limited;
      if (r.headers.count("retry-after") == 1) ++limited_with_retry_after;
    }
  }
  BOOST_TEST(admitted == 5);
  BOOST_TEST(limited == 15);
  BOOST_TEST(limited_with_retry_after == 15);
  // Another tenant's workflows, and Systeme.io's signed deliveries, go on as before.
  for (int n = 100; n < 103; ++n) BOOST_TEST(post_rule(base, *b.keys.rule_token, rule_call(n)).status == 200);
  still_serving("a flood on A's rule URL");
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE rule_tenant_id = '" + a.tenant.id + "'") == 5);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE rule_tenant_id = '" + b.tenant.id + "'") == 3);
  BOOST_TEST(metric_now(R"(clientflow_webhook_deliveries_total{endpoint="rule",event_type="rule",outcome="rate_limited"})") == 15);
}

BOOST_FIXTURE_TEST_CASE(a_rule_body_over_64_kib_is_413_and_stores_nothing, Front) {
  const std::string padded = json{{"data", {{"contact", {{"id", 1}, {"email", "pad@example.com"},
                                                          {"fields", {{"notes", std::string(70 * 1024, 'x')}}}}}}}}.dump();
  const auto r = post_rule(base, *a.keys.rule_token, padded);
  BOOST_TEST(r.status == 413);
  BOOST_TEST(r.body == R"({"error":"body too large"})");
  still_serving("a 70 KiB rule body");
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE source = 'rule'") == 0);
}

BOOST_AUTO_TEST_CASE(rule_webhooks_cannot_fill_the_queue_signed_deliveries_need) {
  // One writer, a queue of 4 deliveries, held on a person's lock: rule webhooks may take half.
  Front small("  max_pending: 4\n", "  pool_size: 2\n");
  auto holder = small.db.connect();
  pqxx::work held(*holder);
  cf::store::lock_people(held, {"held@example.com"}, {});
  std::vector<std::thread> waiting;
  std::vector<long> statuses(4, 0);
  waiting.emplace_back([&] {
    statuses[0] = post_account_webhook(small.base, small.secret, "CONTACT_CREATED", contact_body(1, "held@example.com", {}), "h-0").status;
  });
  BOOST_REQUIRE(eventually([&] { return small.count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 1; }));
  for (int n = 1; n <= 2; ++n) {
    waiting.emplace_back([&, n] { statuses[static_cast<std::size_t>(n)] = post_rule(small.base, *small.a.keys.rule_token, rule_call(n)).status; });
    BOOST_REQUIRE(eventually([&] { return small.metric_now("clientflow_ingest_queue_deliveries") == n; }));
  }
  // A third rule webhook finds the rule webhooks' half taken: 503, nothing stored.
  const auto refused = post_rule(small.base, *small.a.keys.rule_token, rule_call(3));
  BOOST_TEST(refused.status == 503);
  BOOST_TEST(refused.headers.count("retry-after") == 1u);
  // A signed delivery still finds room.
  waiting.emplace_back([&] {
    statuses[3] = post_account_webhook(small.base, small.secret, "CONTACT_CREATED", contact_body(2, "signed@example.com", {}), "h-1").status;
  });
  BOOST_REQUIRE(eventually([&] { return small.metric_now("clientflow_ingest_queue_deliveries") == 3; }));
  held.abort();
  for (auto& thread : waiting) thread.join();
  BOOST_TEST((statuses == std::vector<long>{200, 200, 200, 200}));
  BOOST_TEST(small.count("SELECT count(*) FROM webhook_events") == 4);
}
