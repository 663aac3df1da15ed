// Isolation through the real binary, endpoint by credential: every tenant, admin and webhook
// endpoint is called with no credential, a wrong one, another tenant's, an admin token used as
// a tenant key and the reverse, a rule token or the webhook secret in the wrong place, and a
// forged admin cookie. Each answers 401 with the same body whether or not the thing asked for
// exists, nothing changes, another tenant's lead answers exactly like a missing one, keys and
// tokens are stored only as hashes, and no credential (right or wrong) reaches the log.
#define BOOST_TEST_MODULE isolation
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/two_tenants.h"

using namespace cf::testing;
using nlohmann::json;

namespace {

struct Credential {
  std::string name;
  std::map<std::string, std::string> headers;
};

struct Endpoint {
  std::string method;
  std::string path;
  std::string body;
};

struct World : TwoTenants {
  std::unique_ptr<Background> daemon;
  std::string base, config;
  std::string lead_of_a, lead_of_b;
  long long finding = 0;

  World() {
    config = write_admin_config(db.url(), admin_token, secret);
    auto serving = serve(config);
    daemon = std::move(serving.daemon);
    base = serving.base;
    // Each tenant has a lead, and there is a finding for admins.
    const auto created_a = post_lead_capture(base, *a.keys.api_key, "alice@example.com");
    const auto created_b = post_lead_capture(base, *b.keys.api_key, "bob@example.com");
    BOOST_REQUIRE(created_a.status == 201);
    BOOST_REQUIRE(created_b.status == 201);
    lead_of_a = json::parse(created_a.body)["id"];
    lead_of_b = json::parse(created_b.body)["id"];
    BOOST_REQUIRE(post_account_webhook(base, secret, "CONTACT_TAG_ADDED", tag_body(9, "z@example.com", "ib-zzz999-x"), "f-1").status ==
                  200);
    BOOST_REQUIRE(run({relay_binary(), "reconcile", "--config", config}).exit_code == 0);
    pqxx::read_transaction tx(*c);
    finding = tx.exec1("SELECT id FROM findings")[0].as<long long>();
  }

  HttpResponse call(const Endpoint& endpoint, const std::map<std::string, std::string>& headers) {
    auto all = headers;
    all.emplace("Content-Type", "application/json");
    return http_request(endpoint.method, base + endpoint.path, endpoint.body, all);
  }
  // Every endpoint with every credential: 401 with exactly `body`.
  void all_refused(const std::vector<Endpoint>& endpoints, const std::vector<Credential>& credentials, const std::string& body) {
    for (const auto& endpoint : endpoints) {
      for (const auto& credential : credentials) {
        const auto r = call(endpoint, credential.headers);
        BOOST_TEST_CONTEXT(endpoint.method << " " << endpoint.path << " with " << credential.name) {
          BOOST_TEST(r.status == 401);
          BOOST_TEST(r.body == body);
        }
      }
    }
  }
  static std::map<std::string, std::string> bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

  // What a refused call could have changed, as one comparable text.
  std::string state() {
    pqxx::read_transaction tx(*c);
    return tx.exec1(
                 "SELECT (SELECT count(*) FROM leads) || ' ' || (SELECT count(*) FROM webhook_events) || ' ' || "
                 "(SELECT count(*) FROM outbox_jobs) || ' ' || (SELECT string_agg(id || status, ',') FROM findings) || ' ' || "
                 "(SELECT count(*) FROM lead_events) || ' ' || (SELECT count(*) FROM contact_assignments)")[0]
        .as<std::string>();
  }
};

// `key` with its last character changed: the right shape, the wrong value.
std::string off_by_one(const std::string& key) {
  std::string wrong = key;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  return wrong;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(tenant_endpoints_take_only_the_tenants_own_key, World) {
  const std::vector<Credential> refused = {
      {"no key", {}},
      {"wrong key", bearer(off_by_one(*a.keys.api_key))},
      {"admin token as a tenant key", bearer(admin_token)},
      {"rule token as a key", bearer(*a.keys.rule_token)},
      {"webhook secret as a key", bearer(secret)},
      {"key without Bearer", {{"Authorization", *a.keys.api_key}}},
      {"key in another header", {{"X-API-Key", *a.keys.api_key}}},
  };
  const std::vector<Endpoint> endpoints = {
      {"POST", "/v1/leads", R"({"email":"new@example.com","name":"N","ib_type":"forex-ib","monthly_leads":"0-50"})"},
      {"GET", "/v1/leads", ""},
      {"GET", "/v1/leads/" + lead_of_a, ""},
      {"GET", "/v1/leads/00000000-0000-4000-8000-000000000000", ""},
      {"GET", "/v1/stats", ""},
  };
  const std::string before = state();
  all_refused(endpoints, refused, R"({"error":"missing or invalid API key"})");
  BOOST_TEST(state() == before);

  // B's key: A's lead answers exactly like a lead that does not exist, or an id that cannot be.
  const auto with_b = bearer(*b.keys.api_key);
  const auto foreign = call({"GET", "/v1/leads/" + lead_of_a, ""}, with_b);
  const auto missing = call({"GET", "/v1/leads/00000000-0000-4000-8000-000000000000", ""}, with_b);
  const auto garbage = call({"GET", "/v1/leads/%27%20OR%201%3D1%20--", ""}, with_b);
  BOOST_TEST(foreign.status == 404);
  BOOST_TEST(missing.status == 404);
  BOOST_TEST(garbage.status == 404);
  BOOST_TEST(foreign.body == missing.body);
  BOOST_TEST(garbage.body == missing.body);
  // B's list and stats hold B's lead only; A's key reads A's own.
  const auto list_b = json::parse(call({"GET", "/v1/leads", ""}, with_b).body)["items"];
  BOOST_REQUIRE(list_b.size() == 1u);
  BOOST_TEST(list_b[0]["id"] == lead_of_b);
  BOOST_TEST(json::parse(call({"GET", "/v1/stats", ""}, with_b).body)["total_leads"] == 1);
  BOOST_TEST(json::parse(call({"GET", "/v1/leads/" + lead_of_a, ""}, bearer(*a.keys.api_key)).body)["email"] == "alice@example.com");
  // The same person captured by B is B's own lead, not A's.
  const auto again = call({"POST", "/v1/leads", R"({"email":"alice@example.com","name":"A","ib_type":"forex-ib","monthly_leads":"0-50"})"}, with_b);
  BOOST_TEST(again.status == 201);
  BOOST_TEST(json::parse(again.body)["id"] != lead_of_a);
}

BOOST_FIXTURE_TEST_CASE(admin_endpoints_take_only_the_admin_token, World) {
  const std::vector<Credential> refused = {
      {"no token", {}},
      {"wrong token", bearer(off_by_one(admin_token))},
      {"tenant key as the admin token", bearer(*a.keys.api_key)},
      {"rule token as the admin token", bearer(*a.keys.rule_token)},
      {"webhook secret as the admin token", bearer(secret)},
      {"forged session cookie", {{"Cookie", "cf_admin=9999999999.0000000000000000000000000000000000000000000000000000000000000000"}}},
  };
  const std::string id = std::to_string(finding);
  std::vector<Endpoint> endpoints = {{"GET", "/admin/findings", ""}, {"GET", "/admin/findings?format=csv", ""},
                                     {"GET", "/admin/events", ""}};
  for (const char* action : {"acknowledge", "dismiss", "resolve", "assign"}) {
    // An existing finding and a missing one must be refused alike.
    for (const std::string& target : {id, std::string("999999")}) {
      endpoints.push_back({"POST", "/admin/findings/" + target + "/" + action,
                           json{{"by", "mallory"}, {"tenant_ids", {a.tenant.id}}}.dump()});
    }
  }
  const std::string before = state();
  all_refused(endpoints, refused, R"({"error":"missing or invalid admin token"})");
  BOOST_TEST(state() == before);
  // The report page: the same sign-in form for each, holding no finding, email or tenant.
  std::string sign_in;
  for (const auto& credential : refused) {
    const auto page = call({"GET", "/admin/report", ""}, credential.headers);
    BOOST_TEST_CONTEXT("report with " << credential.name) {
      BOOST_TEST(page.status == 401);
      for (const std::string& secret_data : {std::string("ib-zzz999-"), std::string("z@example.com"), a.tenant.name, b.tenant.name}) {
        BOOST_TEST(page.body.find(secret_data) == std::string::npos);
      }
    }
  }
  // Signing in needs the admin token itself.
  for (const std::string& token : {std::string(), off_by_one(admin_token), *a.keys.api_key, secret}) {
    const auto r = http_request("POST", base + "/admin/session", "token=" + token,
                                {{"Content-Type", "application/x-www-form-urlencoded"}});
    BOOST_TEST(r.status == 401);
    BOOST_TEST(r.headers.count("set-cookie") == 0u);
  }
  BOOST_TEST(state() == before);
  // The admin token itself opens them (and is no tenant key).
  for (const char* path : {"/admin/findings", "/admin/events", "/admin/report"}) {
    BOOST_TEST(call({"GET", path, ""}, bearer(admin_token)).status == 200, path);
  }
  BOOST_TEST(call({"POST", "/admin/findings/" + id + "/acknowledge", R"({"by":"alice"})"}, bearer(admin_token)).status == 200);
  BOOST_TEST(call({"GET", "/v1/leads", ""}, bearer(admin_token)).status == 401);
}

BOOST_FIXTURE_TEST_CASE(webhooks_take_only_the_secret_or_a_rule_token, World) {
  const std::string body = tag_body(42, "w@example.com", "ib-aaa111-x");
  const std::string before = state();
  // Account webhooks: a signature made with anything but the webhook secret is refused.
  for (const std::string& key : {off_by_one(secret), *a.keys.api_key, *a.keys.rule_token, admin_token}) {
    const auto r = post_account_webhook(base, key, "CONTACT_TAG_ADDED", body, "iso-" + key.substr(0, 6));
    BOOST_TEST(r.status == 401);
    BOOST_TEST(r.body == R"({"error":"invalid signature"})");
  }
  const auto unsigned_post = http_request("POST", base + "/webhooks/systeme", body,
                                          {{"Content-Type", "application/json"}, {"X-Webhook-Event", "CONTACT_TAG_ADDED"}});
  BOOST_TEST(unsigned_post.status == 401);
  // Rule webhooks: the URL must hold a tenant's rule token, nothing else.
  for (const std::string& token : {off_by_one(*a.keys.rule_token), *a.keys.api_key, admin_token, secret}) {
    const auto r = http_request("POST", base + "/webhooks/systeme/rules/" + token + "/optin", rule_body(42, "w@example.com"),
                                {{"Content-Type", "application/json"}});
    BOOST_TEST(r.status == 401);
    BOOST_TEST(r.body == R"({"error":"unknown rule token"})");
  }
  BOOST_TEST(state() == before);
  // B's rule token puts the event on B's lead, never on A's lead for the same email.
  const auto routed = http_request("POST", base + "/webhooks/systeme/rules/" + *b.keys.rule_token + "/optin",
                                   rule_body(43, "alice@example.com"), {{"Content-Type", "application/json"}});
  BOOST_TEST(routed.status == 200);
  BOOST_TEST(json::parse(routed.body)["status"] == "foreign_prefix");
  pqxx::read_transaction tx(*c);
  BOOST_TEST(tx.exec_params1("SELECT count(*) FROM lead_events WHERE lead_id = $1::uuid", lead_of_a)[0].as<int>() == 0);
  BOOST_TEST(tx.exec_params1("SELECT count(*) FROM leads WHERE tenant_id = $1::uuid AND email = 'alice@example.com'",
                             b.tenant.id)[0].as<int>() == 0);
}

BOOST_FIXTURE_TEST_CASE(credentials_are_stored_as_hashes_and_never_logged, World) {
  // A full round: captures, deliveries, a rule webhook, refused attempts, a reconcile, a stop.
  BOOST_TEST(post_account_webhook(base, secret, "CONTACT_TAG_ADDED", tag_body(50, "alice@example.com", "ib-aaa111-y"), "h-1").status == 200);
  BOOST_TEST(http_request("POST", base + "/webhooks/systeme/rules/" + *a.keys.rule_token + "/email-opened",
                          rule_body(50, "alice@example.com"), {{"Content-Type", "application/json"}})
                 .status == 200);
  BOOST_TEST(call({"GET", "/v1/stats", ""}, bearer(admin_token)).status == 401);
  BOOST_TEST(call({"GET", "/admin/findings", ""}, bearer(*a.keys.api_key)).status == 401);
  BOOST_TEST(call({"GET", "/admin/findings", ""}, bearer(off_by_one(admin_token))).status == 401);
  const auto reconciled = run({relay_binary(), "reconcile", "--config", config});
  BOOST_TEST(reconciled.exit_code == 0);
  BOOST_TEST(daemon->stop(SIGTERM) == 0);

  const std::vector<std::string> credentials = {*a.keys.api_key, *a.keys.rule_token, *b.keys.api_key, *b.keys.rule_token,
                                                admin_token, secret, off_by_one(admin_token)};
  // No table holds a key, token or secret in the clear, in any column.
  pqxx::read_transaction tx(*c);
  for (const auto& row : tx.exec("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
    const std::string table = tx.quote_name(row[0].as<std::string>());
    for (const auto& credential : credentials) {
      BOOST_TEST(tx.exec_params1("SELECT count(*) FROM " + table + " t WHERE strpos(t::text, $1) > 0", credential)[0].as<int>() == 0,
                 table);
    }
  }
  // Neither the daemon's log nor the reconcile run's output holds one, nor the database password.
  for (const std::string& log : {daemon->err(), reconciled.out + reconciled.err}) {
    BOOST_TEST(!log.empty());
    for (const auto& credential : credentials) BOOST_TEST(log.find(credential) == std::string::npos);
    BOOST_TEST(log.find(db.password()) == std::string::npos);
  }
}
