// The HTTP front through the real binary: nothing from outside is parsed, queued or recursed on
// before it is cheap to refuse. A body nested 200,000 levels deep (about 400 KB) is refused on
// every endpoint without killing the daemon; deeply nested data from an authenticated sender is
// kept as malformed (webhooks) or answered 400 (tenant and admin APIs); unknown rule tokens and
// API keys are refused from memory, so a flood of them costs the database nothing and does not
// slow signed deliveries, while a credential made a moment ago by the CLI works at once.
#define BOOST_TEST_MODULE trust_front
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/two_tenants.h"

using namespace cf::testing;
using nlohmann::json;

namespace {

// {"contact":{"id":1,"fields":{"a":[[[...]]]}}} with `levels` nested arrays under the field.
std::string nested_fields_body(int levels) {
  return R"({"contact":{"id":1,"fields":{"a":)" + std::string(static_cast<std::size_t>(levels), '[') +
         std::string(static_cast<std::size_t>(levels), ']') + "}}}";
}

struct Front : TwoTenants {
  std::unique_ptr<Background> daemon;
  std::string base, config;
  int delivered = 0;

  explicit Front(const std::string& extra = "") {
    config = write_relay_config(db.url(), "http:\n  listen: \"127.0.0.1:0\"\n  max_body_bytes: 4194304\n" + extra +
                                              "metrics:\n  listen: \"127.0.0.1:0\"\nadmin:\n  token: " + admin_token +
                                              "\nsysteme:\n  webhook_secrets: [" + secret + "]\n");
    auto serving = serve(config);
    daemon = std::move(serving.daemon);
    base = serving.base;
  }
  ~Front() { daemon->stop(SIGTERM); }

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
  const std::string deep = nested_fields_body(200000);
  BOOST_REQUIRE_GT(deep.size(), 400000u);
  // With a token nobody holds: 401, and nothing is stored.
  const auto unknown = http_request("POST", base + "/webhooks/systeme/rules/" + std::string(40, 'x') + "/email-opened", deep);
  BOOST_TEST(unknown.status == 401);
  BOOST_TEST(unknown.body == R"({"error":"unknown rule token"})");
  still_serving("a deep body on an unknown rule token");
  // With a real token: kept as malformed, 200.
  kept_as_malformed(http_request("POST", base + "/webhooks/systeme/rules/" + *a.keys.rule_token + "/email-opened", deep));
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
