// The admin API through the real binary: the findings of a real reconcile run in JSON and CSV,
// status changes that record who and why, assign, the list of deliveries that did not route, the
// admin API answering while the tenant API's connection is stuck, and browser sessions ended
// everywhere. (Who may call it, credential
// by credential: e2e_isolation.)
#define BOOST_TEST_MODULE admin_api
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <atomic>
#include <future>
#include <map>
#include <regex>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/tenants.h"
#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/test_database.h"
#include "tests/support/two_tenants.h"

using namespace cf;
using namespace cf::testing;
using nlohmann::json;

namespace {

// A browser's admin session: the cookie set by signing in and the CSRF token its page carries.
struct BrowserSession {
  std::string cookie;  // "cf_admin=..."
  std::string csrf;
};

BrowserSession sign_in(const std::string& base, const std::string& token) {
  const auto signed_in = http_request("POST", base + "/admin/session", "token=" + url_encode(token),
                                      {{"Content-Type", "application/x-www-form-urlencoded"}});
  BOOST_REQUIRE(signed_in.status == 303);
  const std::string set_cookie = signed_in.headers.at("set-cookie");
  BrowserSession session{set_cookie.substr(0, set_cookie.find(';')), ""};
  const auto page = http_request("GET", base + "/admin/report", "", {{"Cookie", session.cookie}});
  BOOST_REQUIRE(page.status == 200);
  std::smatch meta;
  BOOST_REQUIRE(std::regex_search(page.body, meta, std::regex(R"re(<meta name="csrf-token" content="([0-9a-f]+)">)re")));
  session.csrf = meta[1];
  return session;
}

// `method path` with the session's cookie, and its CSRF token when `csrf` is not empty.
HttpResponse with_cookie(const std::string& method, const std::string& url, const BrowserSession& session,
                         const std::string& csrf = "", const std::string& body = "") {
  std::map<std::string, std::string> headers{{"Cookie", session.cookie}, {"Content-Type", "application/json"}};
  if (!csrf.empty()) headers["X-CSRF-Token"] = csrf;
  return http_request(method, url, body, headers);
}

long long session_generation(pqxx::connection& c) {
  pqxx::read_transaction tx(c);
  return tx.exec1("SELECT generation FROM admin_session_generation")[0].as<long long>();
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(findings_for_admins_only, TwoTenants) {
  const std::string& token = admin_token;
  const auto config = write_admin_config(db.url(), token, secret);
  Serving serving = serve(config);
  Background& daemon = *serving.daemon;
  const std::string base = serving.base;
  const auto call = [&](const std::string& method, const std::string& path, const std::string& key, const std::string& body = "") {
    return api_request(method, base + path, key, body);
  };

  // An unknown prefix arrives through the webhook receiver; a reconcile run makes it a finding.
  const auto body = tag_body(8, "u1@example.com", "ib-zzz999-x");
  BOOST_REQUIRE(post_account_webhook(base, secret, "CONTACT_TAG_ADDED", body, "adm-1").status == 200);
  BOOST_REQUIRE(run({relay_binary(), "reconcile", "--config", config}).exit_code == 0);

  const auto listed = call("GET", "/admin/findings", token);
  BOOST_REQUIRE(listed.status == 200);
  const auto findings = json::parse(listed.body)["items"];
  BOOST_TEST(json::parse(listed.body)["next_cursor"].is_null());
  BOOST_REQUIRE(findings.size() == 1u);
  BOOST_TEST(findings[0]["kind"] == "unknown_prefix");
  const std::string id = std::to_string(findings[0]["id"].get<long long>());
  const auto csv = call("GET", "/admin/findings?format=csv", token);
  BOOST_TEST(csv.status == 200);
  BOOST_TEST(csv.headers.at("content-type").find("text/csv") == 0u);
  BOOST_TEST(csv.body.find("unknown_prefix,open,ib-zzz999-") != std::string::npos);

  BOOST_TEST(call("POST", "/admin/findings/" + id + "/dismiss", token, R"({"note": "no by"})").status == 400);
  BOOST_TEST(call("POST", "/admin/findings/999999/dismiss", token, R"({"by": "alice"})").status == 404);
  BOOST_TEST(call("POST", "/admin/findings/" + id + "/delete", token, R"({"by": "alice"})").status == 400);
  const auto dismissed = call("POST", "/admin/findings/" + id + "/dismiss", token, R"({"by": "alice", "note": "test prefix"})");
  BOOST_REQUIRE(dismissed.status == 200);
  BOOST_TEST(json::parse(dismissed.body)["status_by"] == "alice");
  BOOST_TEST(json::parse(call("GET", "/admin/findings?status=open", token).body)["items"].size() == 0u);
  BOOST_TEST(json::parse(call("GET", "/admin/findings?status=dismissed", token).body)["items"].size() == 1u);

  // assign: only for shared or foreign contacts, and only with tenant ids.
  BOOST_TEST(call("POST", "/admin/findings/" + id + "/assign", token, R"({"by": "alice"})").status == 400);
  BOOST_TEST(call("POST", "/admin/findings/" + id + "/assign", token, R"({"by": "alice", "tenant_ids": [7]})").status == 400);
  const auto wrong_kind = call("POST", "/admin/findings/" + id + "/assign", token,
                               R"({"by": "alice", "tenant_ids": [")" + a.tenant.id + R"("]})");
  BOOST_TEST(wrong_kind.status == 400);
  BOOST_TEST(json::parse(wrong_kind.body)["error"] == "only shared_contact and foreign_prefix findings can be assigned");

  const auto events = json::parse(call("GET", "/admin/events?status=unknown_prefix", token).body);
  BOOST_REQUIRE(events["items"].size() == 1u);
  BOOST_TEST(events["items"][0]["event_type"] == "CONTACT_TAG_ADDED");
  BOOST_TEST(events["items"][0]["decided_by"]["prefix"] == "ib-zzz999-");
  BOOST_TEST(events["next_cursor"].is_null());
  BOOST_TEST(call("GET", "/admin/events?status=delivered", token).status == 400);
  BOOST_TEST(daemon.stop(SIGTERM) == 0);
}

// Every finding kind made by real captures and deliveries through the daemon, then settled over
// HTTP: the foreign contact assigned to both IBs, its held delivery routed again.
BOOST_FIXTURE_TEST_CASE(every_kind_through_the_daemon_then_assign, TwoTenants) {
  const auto config = write_admin_config(db.url(), admin_token, secret);
  Serving serving = serve(config);
  Background& daemon = *serving.daemon;
  const std::string base = serving.base;
  const auto admin = [&](const std::string& method, const std::string& path, const std::string& body = "") {
    return api_request(method, base + path, admin_token, body);
  };
  // shared_contact: both IBs capture one person through the tenant API.
  for (const auto* tenant : {&a, &b}) {
    BOOST_REQUIRE(post_lead_capture(base, *tenant->keys.api_key, "shared@example.com").status == 201);
  }
  // foreign_prefix: B's workflow makes contact 7 B's lead, then A's workflow tags it.
  BOOST_REQUIRE(post_account_webhook(base, secret, "CONTACT_TAG_ADDED", tag_body(7, "owned@example.com", "ib-bbb222-demo"), "k1").status == 200);
  BOOST_REQUIRE(post_account_webhook(base, secret, "CONTACT_TAG_ADDED",
                                     tag_body(7, "owned@example.com", "ib-aaa111-vip", {"ib-bbb222-demo"}), "k2").status == 200);
  // unknown_prefix and owner_mismatch.
  BOOST_REQUIRE(post_account_webhook(base, secret, "CONTACT_TAG_ADDED", tag_body(8, "u@example.com", "ib-zzz999-x"), "k3").status == 200);
  BOOST_REQUIRE(post_account_webhook(base, secret, "CONTACT_CREATED",
                                     R"({"contact": {"id": 10, "email": "m@example.com", "tags": [], "fields": [)"
                                     R"({"slug": "ib_owner_id", "value": "00000000-0000-4000-8000-000000000000"}]}})", "k4").status == 200);
  BOOST_REQUIRE(run({relay_binary(), "reconcile", "--config", config}).exit_code == 0);

  const auto findings = json::parse(admin("GET", "/admin/findings").body)["items"];
  std::map<std::string, json> by_kind;
  for (const auto& f : findings) by_kind[f["kind"]] = f;
  BOOST_TEST(findings.size() == 4u);
  BOOST_TEST(by_kind.count("shared_contact") == 1u);
  BOOST_TEST(by_kind.count("foreign_prefix") == 1u);
  BOOST_TEST(by_kind.count("unknown_prefix") == 1u);
  BOOST_TEST(by_kind.count("owner_mismatch") == 1u);
  BOOST_TEST(by_kind["foreign_prefix"]["held_deliveries"].size() == 1u);

  const std::string foreign = std::to_string(by_kind["foreign_prefix"]["id"].get<long long>());
  const auto assigned = admin("POST", "/admin/findings/" + foreign + "/assign",
                              json{{"by", "alice"}, {"note", "both IBs work this contact"},
                                   {"tenant_ids", {b.tenant.id, a.tenant.id}}}.dump());
  BOOST_REQUIRE(assigned.status == 200);
  const auto answer = json::parse(assigned.body);
  BOOST_TEST(answer["finding"]["status"] == "resolved");
  BOOST_TEST(answer["replayed"]["examined"] == 1);
  BOOST_REQUIRE(answer["replayed"]["changed"].size() == 1u);
  BOOST_TEST(answer["replayed"]["changed"][0]["to"] == "routed");
  BOOST_TEST(answer["replayed"]["changed"][0]["tenant_id"] == a.tenant.id);
  BOOST_TEST(daemon.stop(SIGTERM) == 0);
}

// The admin API and the report page have a connection of their own: with the tenant API's only
// connection (database.pool_size 2: one writer, one admin, one tenant) stuck behind a lock held in
// PostgreSQL and more tenant calls queued behind it, admin requests are answered while every
// tenant call is still waiting.
BOOST_FIXTURE_TEST_CASE(admin_answers_while_the_tenant_api_is_saturated, TwoTenants) {
  const auto config = write_temp_file("relay.yaml", "database:\n  url: " + json(db.url()).dump() +
                                                        "\n  pool_size: 2\nhttp:\n  listen: \"127.0.0.1:0\"\n"
                                                        "metrics:\n  listen: \"127.0.0.1:0\"\nadmin:\n  token: " + admin_token + "\n");
  Serving serving = serve(config);
  const std::string base = serving.base;
  BOOST_REQUIRE(api_request("GET", base + "/v1/stats", *a.keys.api_key).status == 200);

  auto locker = db.connect();
  std::atomic<int> tenant_answers{0};
  std::vector<std::future<long>> tenant_calls;  // declared before `hold`, which ends first on failure
  pqxx::work hold(*locker);
  // The tenants table: each tenant call confirms its key there first, outside the tenant
  // statement timeout (a lock on leads would answer them 503 after it), so they wait as long as
  // the lock is held.
  hold.exec0("LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE");
  for (int i = 0; i < 6; ++i) {
    tenant_calls.push_back(std::async(std::launch::async, [&, i] {
      const long status = api_request("GET", base + "/v1/stats", *(i % 2 ? a : b).keys.api_key).status;
      ++tenant_answers;
      return status;
    }));
  }
  // The tenant API's connection is waiting on the lock.
  auto watcher = db.connect();
  const bool stuck = eventually([&] {
    pqxx::read_transaction tx(*watcher);
    return tx.exec_params1("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
                           db.name())[0].as<int>() == 1;
  });
  BOOST_REQUIRE(stuck);

  for (const char* path : {"/admin/events", "/admin/findings", "/admin/findings?format=csv"}) {
    auto admin = std::async(std::launch::async, [&] { return api_request("GET", base + path, admin_token); });
    BOOST_REQUIRE_MESSAGE(admin.wait_for(std::chrono::seconds(10)) == std::future_status::ready,
                          path << " waited behind the tenant API");
    BOOST_TEST(admin.get().status == 200, path);
  }
  BOOST_TEST(tenant_answers == 0);  // every tenant call is still waiting

  hold.abort();
  for (auto& call : tenant_calls) BOOST_TEST(call.get() == 200);
  BOOST_TEST(serving.daemon->stop(SIGTERM) == 0);
}

// POST /admin/session/end-all ends every browser session on every daemon sharing the database:
// the very next request with a cookie from before is refused, on the daemon that ended them and
// on another; the Bearer token still works, and signing in again works.
BOOST_FIXTURE_TEST_CASE(a_cookie_used_after_end_all_is_refused_on_every_daemon, TwoTenants) {
  Serving first = serve(write_admin_config(db.url(), admin_token, secret));
  Serving second = serve(write_admin_config(db.url(), admin_token, secret));
  const auto mine = sign_in(first.base, admin_token);
  const auto other = sign_in(second.base, admin_token);
  for (const auto* session : {&mine, &other}) {
    for (const auto* base : {&first.base, &second.base}) {
      BOOST_REQUIRE(with_cookie("GET", *base + "/admin/findings", *session).status == 200);
    }
  }
  const long long before = session_generation(*c);

  auto ended = http_request("POST", first.base + "/admin/session/end-all", "csrf=" + mine.csrf,
                                  {{"Cookie", mine.cookie}, {"Content-Type", "application/x-www-form-urlencoded"}});
  BOOST_TEST(ended.status == 303);
  BOOST_TEST(ended.headers["location"] == "/admin/report");
  BOOST_TEST(ended.headers["set-cookie"].find("cf_admin=;") == 0u);  // this browser's cookie is cleared
  BOOST_TEST(session_generation(*c) == before + 1);

  for (const auto* session : {&mine, &other}) {
    for (const auto* base : {&first.base, &second.base}) {
      BOOST_TEST_CONTEXT((session == &mine ? "ending" : "other") << " session on " << (base == &first.base ? "first" : "second")) {
        const auto page = with_cookie("GET", *base + "/admin/report", *session);
        BOOST_TEST(page.status == 401);
        BOOST_TEST(page.body.find("form class=\"signin\"") != std::string::npos);
        BOOST_TEST(with_cookie("GET", *base + "/admin/findings", *session).status == 401);
        BOOST_TEST(with_cookie("GET", *base + "/admin/events", *session).status == 401);
        BOOST_TEST(with_cookie("POST", *base + "/admin/session/end-all", *session, session->csrf).status == 401);
      }
    }
  }
  BOOST_TEST(session_generation(*c) == before + 1);  // a refused end-all moved nothing
  BOOST_TEST(api_request("GET", second.base + "/admin/findings", admin_token).status == 200);

  // Signing in again works, on either daemon, and the new cookie is good on both.
  const auto again = sign_in(second.base, admin_token);
  BOOST_TEST(with_cookie("GET", first.base + "/admin/findings", again).status == 200);
  BOOST_TEST(with_cookie("GET", second.base + "/admin/report", again).status == 200);
  BOOST_TEST(first.daemon->stop(SIGTERM) == 0);
  BOOST_TEST(second.daemon->stop(SIGTERM) == 0);
}

// Sign-out and end-all change state, so a cookie alone is not enough: without the page's CSRF
// token (or with another session's) both are refused and change nothing.
BOOST_FIXTURE_TEST_CASE(end_all_and_sign_out_without_the_csrf_token_change_nothing, TwoTenants) {
  Serving serving = serve(write_admin_config(db.url(), admin_token, secret));
  const std::string base = serving.base;
  const auto session = sign_in(base, admin_token);
  const auto another = sign_in(base, admin_token);
  const long long before = session_generation(*c);
  for (const char* path : {"/admin/session/end", "/admin/session/end-all"}) {
    for (const std::string& csrf : {std::string(), another.csrf, std::string(64, '0')}) {
      BOOST_TEST_CONTEXT(path << " with CSRF token '" << csrf << "'") {
        const auto form = http_request("POST", base + path, csrf.empty() ? "" : "csrf=" + csrf,
                                       {{"Cookie", session.cookie}, {"Content-Type", "application/x-www-form-urlencoded"}});
        BOOST_TEST(form.status == 401);
        BOOST_TEST(form.headers.count("set-cookie") == 0u);
        const auto header = with_cookie("POST", base + path, session, csrf);
        BOOST_TEST(header.status == 401);
        BOOST_TEST(header.headers.count("set-cookie") == 0u);
      }
    }
  }
  BOOST_TEST(session_generation(*c) == before);
  BOOST_TEST(with_cookie("GET", base + "/admin/report", session).status == 200);

  // With the token, sign-out clears this browser's cookie and ends no other session.
  auto signed_out = http_request("POST", base + "/admin/session/end", "csrf=" + session.csrf,
                                       {{"Cookie", session.cookie}, {"Content-Type", "application/x-www-form-urlencoded"}});
  BOOST_TEST(signed_out.status == 303);
  BOOST_TEST(signed_out.headers["set-cookie"].find("cf_admin=;") == 0u);
  BOOST_TEST(session_generation(*c) == before);
  BOOST_TEST(with_cookie("GET", base + "/admin/report", another).status == 200);
  BOOST_TEST(serving.daemon->stop(SIGTERM) == 0);
}
