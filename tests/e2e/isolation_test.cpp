// Isolation through the real binary, endpoint by credential: every tenant, admin and webhook
// endpoint is called with no credential, a wrong one, another tenant's, an admin token used as
// a tenant key and the reverse, a rule token or the webhook secret in the wrong place, and a
// forged admin cookie. Each answers 401 with the same body whether or not the thing asked for
// exists, nothing changes, another tenant's lead answers exactly like a missing one, keys and
// tokens are stored only as hashes, and no credential (right or wrong) reaches the log.
#define BOOST_TEST_MODULE isolation
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
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
  // Answered no_lead, as for a person nobody has: foreign_prefix would tell B that A has her.
  BOOST_TEST(json::parse(routed.body)["status"] == "no_lead");
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

// --- What one IB can do with its own rule token -----------------------------------------------
// A rule token proves only which tenant's workflow claims to speak: whatever A posts to its own
// rule URL, B's leads, B's routing and the findings read exactly as if A had done nothing. Each
// case runs the same signed Systeme.io events in two worlds, one in which A also attacks, and
// compares them row by row.

namespace {

const std::string kFarFuture = "9999-12-31T23:59:59+00:00";

// An ISO 8601 time `seconds` from now: a believable X-Webhook-Event-Timestamp.
std::string now_plus(int seconds) {
  return cf::format_iso8601(cf::SystemClock().now_ms() + static_cast<cf::EpochMs>(seconds) * 1000);
}

// A workflow webhook body as an attacker would write it: any contact id, email, tags and fields,
// and any created_at.
std::string forged_rule_body(long long contact_id, const std::string& email, const std::vector<std::string>& tags,
                             const json& fields = json::array(), const std::string& created_at = kFarFuture) {
  json contact{{"id", contact_id}, {"fields", fields}, {"tags", json::array()}};
  if (!email.empty()) contact["email"] = email;
  for (const auto& tag : tags) contact["tags"].push_back({{"id", 1}, {"name", tag}});
  return json{{"type", "contact.optin.completed"}, {"data", {{"contact", contact}}}, {"created_at", created_at}}.dump();
}

// Tenants A and B with their daemon, as Systeme.io and the ClientFlow app see it.
struct RuleWorld : TwoTenants {
  std::string config, base;
  std::unique_ptr<Background> daemon;
  int messages = 0;

  explicit RuleWorld(const std::string& duplicate_policy = "allow") {
    config = write_relay_config(db.url(), "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\n"
                                          "systeme:\n  webhook_secrets: [" + secret + "]\n"
                                          "admin:\n  token: " + admin_token + "\n"
                                          "leads:\n  duplicate_policy: " + duplicate_policy + "\n");
    auto serving = serve(config);
    daemon = std::move(serving.daemon);
    base = serving.base;
  }
  // A signed account webhook stamped now; the status it was answered with.
  std::string systeme(const std::string& event, const std::string& body) {
    const auto r = http_request("POST", base + "/webhooks/systeme", body,
                                {{"Content-Type", "application/json"},
                                 {"X-Webhook-Event", event},
                                 {"X-Webhook-Signature", sign(secret, body)},
                                 {"X-Webhook-Message-Id", "msg-" + std::to_string(++messages)},
                                 {"X-Webhook-Event-Timestamp", now_plus(0)}});
    BOOST_REQUIRE_MESSAGE(r.status == 200, event << " answered " << r.status << " " << r.body);
    return json::parse(r.body)["status"].get<std::string>();
  }
  // A post to A's own rule URL; the status it was answered with.
  std::string rule_of_a(const std::string& kind, const std::string& body) {
    const auto r = http_request("POST", base + "/webhooks/systeme/rules/" + *a.keys.rule_token + "/" + kind, body,
                                {{"Content-Type", "application/json"}});
    BOOST_REQUIRE_MESSAGE(r.status == 200, "rule webhook answered " << r.status << " " << r.body);
    return json::parse(r.body)["status"].get<std::string>();
  }
  void reconcile() { BOOST_REQUIRE(run({relay_binary(), "reconcile", "--full", "--config", config}).exit_code == 0); }
  // The emails of the leads `api_key`'s tenant reads through the tenant API.
  std::set<std::string> emails_read_with(const std::string& api_key) {
    std::set<std::string> emails;
    const json page = json::parse(api_request("GET", base + "/v1/leads?limit=100", api_key).body);
    for (const auto& lead : page["items"]) {
      emails.insert(lead["email"].get<std::string>());
    }
    return emails;
  }
  // B's leads, their timelines, how every signed delivery routed, and every finding, one sorted
  // line each, with tenant ids written as A and B so two worlds compare.
  std::string b_side_and_findings() {
    pqxx::read_transaction tx(*c);
    return tx.exec_params1(R"sql(
      SELECT coalesce(string_agg(replace(replace(line, $1, 'A'), $2, 'B'), E'\n' ORDER BY line), '') FROM (
        SELECT 'lead ' || email || ' contact=' || coalesce(systeme_contact_id::text, '-') ||
               ' tags=' || array_to_string(ARRAY(SELECT unnest(tags) ORDER BY 1), ',') ||
               ' opens=' || open_count AS line
          FROM leads WHERE tenant_id::text = $2
        UNION ALL
        SELECT 'timeline ' || l.email || ' ' || e.kind || ' ' || coalesce(e.tag, '')
          FROM lead_events e JOIN leads l ON l.tenant_id = e.tenant_id AND l.id = e.lead_id
         WHERE e.tenant_id::text = $2
        UNION ALL
        SELECT 'delivery ' || dedup_key || ' ' || event_type || ' ' || status || ' ' ||
               coalesce(routed_tenant_id::text, '-')
          FROM webhook_events WHERE source = 'account'
        UNION ALL
        SELECT 'finding ' || kind || ' ' || subject || ' ' || status || ' ' ||
               coalesce((SELECT string_agg(t->>'tenant_id' || CASE WHEN t->>'lead_id' IS NULL THEN '' ELSE '+lead' END, ','
                                           ORDER BY t->>'tenant_id' = $2)
                           FROM jsonb_array_elements(tenants) AS t), '')
          FROM findings
      ) AS lines)sql",
                           a.tenant.id, b.tenant.id)[0]
        .as<std::string>();
  }
};

// Runs `systeme_io` (the signed events) in a world where A does nothing and in one where A first
// runs `attack`, reconciles both, and checks the two read the same. The attacked world is
// returned for the case's own checks.
std::unique_ptr<RuleWorld> as_if_a_did_nothing(const std::function<void(RuleWorld&)>& setup,
                                               const std::function<void(RuleWorld&)>& attack,
                                               const std::function<void(RuleWorld&)>& systeme_io) {
  std::string clean_state;
  {
    RuleWorld clean;
    setup(clean);
    systeme_io(clean);
    clean.reconcile();
    clean_state = clean.b_side_and_findings();
  }
  auto attacked = std::make_unique<RuleWorld>();
  setup(*attacked);
  attack(*attacked);
  systeme_io(*attacked);
  attacked->reconcile();
  BOOST_TEST(attacked->b_side_and_findings() == clean_state);
  return attacked;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rule_token_cannot_tag_a_contact_to_capture_the_next_buyer) {
  // (a) A gives contact 777, which nobody owns, its own tag; then the contact buys.
  const std::string sale = R"({"customer": {"contactId": 777, "email": "buyer@example.com"}, "order": {"id": 1}})";
  std::string sale_status;
  auto world = as_if_a_did_nothing(
      [](RuleWorld&) {},
      [](RuleWorld& w) { w.rule_of_a("email-opened", forged_rule_body(777, "", {"ib-aaa111-vip"})); },
      [&](RuleWorld& w) { sale_status = w.systeme("SALE_NEW", sale); });
  BOOST_TEST(sale_status == "no_prefix");
  BOOST_TEST(world->emails_read_with(*world->a.keys.api_key).count("buyer@example.com") == 0u);
  pqxx::read_transaction tx(*world->c);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM leads")[0].as<int>() == 0);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM systeme_contacts WHERE tags::text LIKE '%ib-aaa111-%'")[0].as<int>() == 0);
}

BOOST_AUTO_TEST_CASE(rule_token_cannot_turn_bs_sales_foreign_or_ambiguous) {
  // (b) B owns contact 888; A writes its own tags (and B's) onto it, stamped in year 9999.
  std::vector<std::string> sales;
  auto world = as_if_a_did_nothing(
      [](RuleWorld& w) {
        BOOST_TEST(w.systeme("CONTACT_TAG_ADDED", tag_body(888, "bob@example.com", "ib-bbb222-demo-request")) == "routed");
      },
      [](RuleWorld& w) {
        w.rule_of_a("email-opened", forged_rule_body(888, "bob@example.com", {"ib-aaa111-x"}));
        w.rule_of_a("link-clicked", forged_rule_body(888, "", {"ib-aaa111-x", "ib-bbb222-demo-request"}));
      },
      [&](RuleWorld& w) {
        // (the attacked world runs last, so its answers are the ones kept)
        sales = {w.systeme("SALE_NEW", R"({"customer": {"contactId": 888, "email": "bob@example.com"}, "order": {"id": 2}})"),
                 w.systeme("SALE_CANCELED", R"({"customer": {"contactId": 888, "email": "bob@example.com"}, "order": {"id": 2}})")};
      });
  BOOST_TEST((sales == std::vector<std::string>{"routed", "routed"}));
}

BOOST_AUTO_TEST_CASE(rule_token_cannot_clear_the_evidence_of_its_own_poaching) {
  // (c) A's workflow tagged B's contact 999 (a foreign_prefix finding); A then posts an empty
  // tag list for 999 stamped in year 9999, hoping the finding resolves for ever.
  auto world = as_if_a_did_nothing(
      [](RuleWorld& w) {
        BOOST_TEST(w.systeme("CONTACT_TAG_ADDED", tag_body(999, "carl@example.com", "ib-bbb222-demo-request")) == "routed");
        BOOST_TEST(w.systeme("CONTACT_TAG_ADDED", tag_body(999, "carl@example.com", "ib-aaa111-promo",
                                                           {"ib-bbb222-demo-request"})) == "foreign_prefix");
        w.reconcile();
      },
      [](RuleWorld& w) { w.rule_of_a("email-opened", forged_rule_body(999, "carl@example.com", {})); },
      [](RuleWorld& w) {
        // Later, Systeme.io says what the contact really carries.
        BOOST_TEST(w.systeme("CONTACT_OPT_IN", contact_body(999, "carl@example.com", {"ib-bbb222-demo-request", "ib-aaa111-promo"})) ==
                   "ambiguous");
      });
  pqxx::read_transaction tx(*world->c);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM findings WHERE kind = 'foreign_prefix' AND status = 'open'")[0].as<int>() == 1);
}

BOOST_AUTO_TEST_CASE(rule_token_cannot_flood_admins_with_made_up_findings) {
  // (d) Unknown prefixes, owner fields naming B, contacts shared with B: all made up by A.
  auto world = as_if_a_did_nothing(
      [](RuleWorld& w) {
        BOOST_TEST(w.systeme("CONTACT_TAG_ADDED", tag_body(1000, "dora@example.com", "ib-bbb222-demo-request")) == "routed");
      },
      [](RuleWorld& w) {
        for (int i = 0; i < 10; ++i) {
          w.rule_of_a("email-opened",
                      forged_rule_body(5000 + i, "victim" + std::to_string(i) + "@example.com", {"ib-zzz99" + std::to_string(i) + "-x"},
                                       {{"ib_owner_id", w.b.tenant.id}, {"ib_prefix", "ib-aaa111-"}}));
        }
        w.rule_of_a("email-opened", forged_rule_body(1000, "dora@example.com", {"ib-aaa111-mine", "ib-bbb222-demo-request"}));
      },
      [](RuleWorld&) {});
  pqxx::read_transaction tx(*world->c);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM findings")[0].as<int>() == 0);
}

BOOST_AUTO_TEST_CASE(rule_token_cannot_take_a_person_from_bs_captures) {
  // Under duplicate_policy: reject, a lead A's rule URL made up for carol@ would make B's capture
  // of her a 409. A rule webhook creates no lead: it is kept as no_lead.
  RuleWorld world("reject");
  BOOST_TEST(world.rule_of_a("email-opened", forged_rule_body(1200, "carol@example.com", {"ib-aaa111-x"})) == "no_lead");
  BOOST_TEST(post_lead_capture(world.base, *world.b.keys.api_key, "carol@example.com").status == 201);
  BOOST_TEST(world.emails_read_with(*world.a.keys.api_key).empty());
  pqxx::read_transaction tx(*world.c);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM leads")[0].as<int>() == 1);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM webhook_events WHERE status = 'no_lead'")[0].as<int>() == 1);
  // Admins find it under its own status, not among the deliveries waiting for them.
  const auto waiting = json::parse(api_request("GET", world.base + "/admin/events?status=no_lead", world.admin_token).body);
  BOOST_TEST(waiting["items"].size() == 1u);
  BOOST_TEST(waiting["items"][0]["email"] == "carol@example.com");
  BOOST_TEST(json::parse(api_request("GET", world.base + "/admin/events", world.admin_token).body)["items"].size() == 0u);
}
