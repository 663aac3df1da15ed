// A tenant's life after `tenant add`, and the syncs that fail, through the real binary: a
// suspended tenant's key gets 403 while its account webhooks still route and its rule webhooks
// wait (status suspended, their token changing nothing) until `tenant resume` routes them; a
// deleted tenant leaves nothing of its leads, its prefix can never be issued again and its tags
// become retired_prefix, and a delete with the wrong --confirm changes nothing; a wrong Systeme.io
// key fails jobs, the clientflow_outbox_jobs{state="failed"} gauge and GET /admin/outbox show them,
// `outbox discard` gives one up and `outbox retry --all-failed` after fixing the key gets the
// others done.
#define BOOST_TEST_MODULE lifecycle
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "store/tenants.h"
#include "tests/support/deliveries.h"
#include "tests/support/fake_systeme.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/test_database.h"

using namespace cf;
using namespace cf::testing;
using nlohmann::json;

namespace {

const std::string kAdminToken = "admin-token-0123456789-abcdefghijklmnop";
const std::string kSecret = "webhook-secret";

std::string config_yaml(const std::string& systeme) {
  return "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\nadmin:\n  token: " + kAdminToken +
         "\nsysteme:\n  webhook_secrets: [" + kSecret + "]\n" + systeme;
}

struct World {
  TestDatabase db;
  std::unique_ptr<pqxx::connection> c;
  store::NewTenant a, b;
  std::string config;
  Serving serving;

  explicit World(const std::string& systeme = "") {
    db.migrate();
    c = db.connect();
    store::TenantStore tenants(*c);
    a = *tenants.add(*store::TenantDraft::make("John", "john@example.com", "ib-aaa111-"));
    b = *tenants.add(*store::TenantDraft::make("Sarah", "sarah@example.com", "ib-bbb222-"));
    config = write_relay_config(db.url(), config_yaml(systeme));
    serving = serve(config);
  }
  Completed cli(std::vector<std::string> args) {
    args.insert(args.begin(), relay_binary());
    args.push_back("--config");
    args.push_back(config);
    return run(args);
  }
  HttpResponse capture(const std::string& key, const std::string& email) {
    return api_request("POST", serving.base + "/v1/leads", key,
                       json{{"email", email}, {"name", "Trader"}, {"ib_type", "forex-ib"}, {"monthly_leads", "0-50"}}.dump());
  }
  HttpResponse tag_added(const std::string& email, long long contact, const std::string& tag, const std::string& id) {
    return post_account_webhook(serving.base, kSecret, "CONTACT_TAG_ADDED", tag_body(contact, email, tag), id);
  }
  HttpResponse rule(const std::string& token, const std::string& email, long long contact,
                    const std::string& kind = "email-opened") {
    return http_request("POST", serving.base + "/webhooks/systeme/rules/" + token + "/" + kind,
                        rule_body(contact, email), {{"Content-Type", "application/json"}});
  }
  HttpResponse admin(const std::string& path) { return api_request("GET", serving.base + path, kAdminToken); }
  long long count(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<long long>();
  }
  // The value of one series on the daemon's /metrics; -1 when it is not there.
  double metric(const std::string& series) {
    std::istringstream lines(http_get(serving.line["metrics"].get<std::string>()).body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
  }
};

json status_of(const HttpResponse& response) { return json::parse(response.body); }

}  // namespace

BOOST_AUTO_TEST_CASE(a_suspended_tenant_is_refused_while_its_account_webhooks_route_and_its_rule_webhooks_wait) {
  World w;
  const std::string key = *w.a.keys.api_key;
  BOOST_REQUIRE(w.capture(key, "x@example.com").status == 201);  // one outbox job, pending (no systeme.api_key)
  BOOST_TEST(eventually([&] { return w.metric("clientflow_outbox_jobs{state=\"pending\"}") == 1; }, std::chrono::seconds(30)));

  const auto suspended = w.cli({"tenant", "suspend", "--tenant", w.a.tenant.id});
  BOOST_REQUIRE_MESSAGE(suspended.exit_code == 0, suspended.err);
  BOOST_TEST(json::parse(suspended.out)["state"] == "suspended");

  // The key: 403 from memory as soon as the filter heard; the other tenant's still works.
  BOOST_TEST(eventually([&] { return api_request("GET", w.serving.base + "/v1/stats", key).status == 403; }));
  const auto refused = api_request("GET", w.serving.base + "/v1/leads", key);
  BOOST_TEST(refused.status == 403);
  BOOST_TEST(status_of(refused) == json({{"error", "tenant suspended"}}));
  BOOST_TEST(w.capture(key, "new@example.com").status == 403);
  BOOST_TEST(api_request("GET", w.serving.base + "/v1/stats", *w.b.keys.api_key).status == 200);

  // Its account webhooks still route; its rule token is kept as `suspended` and changes nothing.
  const auto tagged = w.tag_added("x@example.com", 5001, "ib-aaa111-engaged", "m-1");
  BOOST_TEST(tagged.status == 200);
  BOOST_TEST(status_of(tagged)["status"] == "routed");
  const auto kept = w.rule(*w.a.keys.rule_token, "x@example.com", 5001);
  BOOST_TEST(kept.status == 200);
  BOOST_TEST(status_of(kept)["status"] == "suspended");
  BOOST_TEST(w.count("SELECT count(*) FROM leads WHERE tags = '{ib-aaa111-engaged}' AND open_count = 0") == 1);
  BOOST_TEST(w.count("SELECT count(*) FROM lead_events") == 1);
  BOOST_TEST(w.count("SELECT count(*) FROM leads") == 1);
  BOOST_TEST(w.count("SELECT count(*) FROM webhook_events WHERE status = 'suspended' AND lead_id IS NULL") == 1);
  // Its waiting job is not pending for the alert while it is suspended.
  BOOST_TEST(eventually([&] { return w.metric("clientflow_outbox_jobs{state=\"pending\"}") == 0; }, std::chrono::seconds(30)));
  BOOST_TEST(w.metric("clientflow_deliveries_unrouted") == 0);

  const auto listed = w.cli({"tenant", "list", "--format", "json"});
  BOOST_TEST(json::parse(listed.out)[0]["state"] == "suspended");
  BOOST_TEST(json::parse(listed.out)[1]["state"] == "active");

  const auto resumed = w.cli({"tenant", "resume", "--tenant", w.a.tenant.id});
  BOOST_REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.err);
  BOOST_TEST(json::parse(resumed.out)["state"] == "active");
  BOOST_TEST(json::parse(resumed.out)["rule_webhooks_routed"] == 1);
  BOOST_TEST(w.count("SELECT count(*) FROM leads WHERE open_count = 1") == 1);
  BOOST_TEST(w.count("SELECT count(*) FROM lead_events") == 2);
  BOOST_TEST(w.count("SELECT count(*) FROM webhook_events WHERE status = 'routed'") == 2);
  BOOST_TEST(eventually([&] { return api_request("GET", w.serving.base + "/v1/stats", key).status == 200; }));
  // (The same body again within 10 minutes would be a duplicate: another kind.)
  const auto clicked = w.rule(*w.a.keys.rule_token, "x@example.com", 5001, "link-clicked");
  BOOST_TEST(status_of(clicked)["status"] == "routed");
  BOOST_TEST(eventually([&] { return w.metric("clientflow_outbox_jobs{state=\"pending\"}") == 1; }, std::chrono::seconds(30)));
}

BOOST_AUTO_TEST_CASE(a_deleted_tenant_leaves_nothing_and_its_prefix_is_retired_for_ever) {
  World w;
  BOOST_REQUIRE(w.capture(*w.a.keys.api_key, "x@example.com").status == 201);
  BOOST_REQUIRE(w.capture(*w.b.keys.api_key, "x@example.com").status == 201);
  BOOST_REQUIRE(status_of(w.tag_added("x@example.com", 5001, "ib-aaa111-engaged", "m-1"))["status"] == "routed");
  const std::string tenants_before = w.cli({"tenant", "list", "--format", "json"}).out;

  // The wrong --confirm (another tenant's prefix) changes nothing.
  const auto wrong = w.cli({"tenant", "delete", "--tenant", w.a.tenant.id, "--confirm", "ib-bbb222-"});
  BOOST_TEST(wrong.exit_code == 2);
  BOOST_TEST(wrong.err.find("--confirm must be the tenant's prefix (ib-aaa111-): nothing was deleted") != std::string::npos,
             wrong.err);
  BOOST_TEST(w.cli({"tenant", "list", "--format", "json"}).out == tenants_before);
  BOOST_TEST(w.count("SELECT count(*) FROM leads") == 2);
  BOOST_TEST(w.count("SELECT count(*) FROM retired_prefixes") == 0);

  const auto deleted = w.cli({"tenant", "delete", "--tenant", w.a.tenant.id, "--confirm", "ib-aaa111-"});
  BOOST_REQUIRE_MESSAGE(deleted.exit_code == 0, deleted.err);
  const auto erased = json::parse(deleted.out)["erased"];
  BOOST_TEST(erased == json({{"leads", 1}, {"timeline_rows", 1}, {"outbox_jobs", 1}, {"assignments", 0},
                             {"deliveries_scrubbed", 1}}));
  BOOST_TEST(w.count("SELECT count(*) FROM leads") == 1);  // the other tenant's lead of the same person stays
  BOOST_TEST(w.count("SELECT count(*) FROM leads WHERE tenant_id = '" + w.b.tenant.id + "'") == 1);
  BOOST_TEST(w.count("SELECT count(*) FROM lead_events") == 0);
  BOOST_TEST(w.count("SELECT count(*) FROM outbox_jobs") == 1);
  BOOST_TEST(w.count("SELECT count(*) FROM webhook_events WHERE body IS NULL AND email IS NULL AND detail IS NULL "
                     "AND status = 'routed' AND routed_tenant_id = '" + w.a.tenant.id + "'") == 1);
  const auto listed = json::parse(w.cli({"tenant", "list", "--format", "json"}).out);
  BOOST_TEST(listed.size() == 1u);
  BOOST_TEST(listed[0]["prefix"] == "ib-bbb222-");

  // The prefix can never be issued again, and its tags are retired, not unknown.
  const auto again = w.cli({"tenant", "add", "--name", "Mallory", "--email", "m@example.com", "--prefix", "ib-aaa111-"});
  BOOST_TEST(again.exit_code == 2);
  BOOST_TEST(again.err.find("prefix ib-aaa111- is retired (it belonged to a deleted tenant) and is never issued again") != std::string::npos, again.err);
  {
    pqxx::work tx(*w.c);
    BOOST_CHECK_THROW(tx.exec("INSERT INTO tenants (name, email, prefix, api_key_hash, rule_token_hash) VALUES "
                              "('M', 'm@example.com', 'ib-aaa111-', decode(repeat('ab', 32), 'hex'), "
                              "decode(repeat('cd', 32), 'hex'))"),
                      pqxx::sql_error);
  }
  const auto retired = w.tag_added("y@example.com", 5002, "ib-aaa111-demo-request", "m-2");
  BOOST_TEST(retired.status == 200);
  BOOST_TEST(status_of(retired)["status"] == "retired_prefix");
  const auto unknown = w.tag_added("y@example.com", 5002, "ib-zzz999-demo-request", "m-3");
  BOOST_TEST(status_of(unknown)["status"] == "unknown_prefix");
  BOOST_TEST(w.count("SELECT count(*) FROM leads") == 1);

  // Its credentials are gone with it.
  BOOST_TEST(eventually([&] { return api_request("GET", w.serving.base + "/v1/stats", *w.a.keys.api_key).status == 401; }));
  BOOST_TEST(w.rule(*w.a.keys.rule_token, "x@example.com", 5001).status == 401);
  BOOST_TEST(api_request("GET", w.serving.base + "/v1/stats", *w.b.keys.api_key).status == 200);
}

BOOST_AUTO_TEST_CASE(syncs_failed_by_a_wrong_key_alert_and_are_retried_once_it_is_fixed) {
  FakeSysteme systeme("right-api-key");
  const std::string systeme_yaml = "  api_base: " + systeme.api_base() +
                                   "\n  requests_per_second: 100\n  timeout_seconds: 2\n  job_lease_seconds: 5\n";
  World w(systeme_yaml + "  api_key: wrong-api-key\n");
  for (const char* email : {"f1@example.com", "f2@example.com", "f3@example.com"}) {
    BOOST_REQUIRE(w.capture(*w.a.keys.api_key, email).status == 201);
  }
  // Three permanent errors (401) each, then they stay failed: the gauge shows them.
  BOOST_TEST(eventually([&] { return w.count("SELECT count(*) FROM outbox_jobs WHERE failed_at IS NOT NULL") == 3; },
                        std::chrono::seconds(90)));
  BOOST_TEST(w.count("SELECT count(*) FROM outbox_jobs WHERE attempts = 3 AND last_error LIKE '%401%'") == 3);
  BOOST_TEST(eventually([&] { return w.metric("clientflow_outbox_jobs{state=\"failed\"}") == 3; }, std::chrono::seconds(30)));
  BOOST_TEST(w.metric("clientflow_outbox_jobs{state=\"pending\"}") == 0);
  BOOST_TEST(systeme.contacts_created() == 0);

  // GET /admin/outbox pages them, oldest first, with their last error.
  const auto first = w.admin("/admin/outbox?state=failed&limit=2&tenant=" + w.a.tenant.id);
  BOOST_REQUIRE_MESSAGE(first.status == 200, first.body);
  const auto page = json::parse(first.body);
  BOOST_TEST(page["items"].size() == 2u);
  BOOST_TEST(page["items"][0]["email"] == "f1@example.com");
  BOOST_TEST(page["items"][0]["state"] == "failed");
  BOOST_TEST(page["items"][0]["last_error"].get<std::string>().find("401") != std::string::npos);
  const auto rest = json::parse(
      w.admin("/admin/outbox?state=failed&limit=2&cursor=" + page["next_cursor"].get<std::string>()).body);
  BOOST_TEST(rest["items"].size() == 1u);
  BOOST_TEST(rest["items"][0]["email"] == "f3@example.com");
  BOOST_TEST(rest["next_cursor"].is_null());
  BOOST_TEST(json::parse(w.admin("/admin/outbox?state=failed&tenant=" + w.b.tenant.id).body)["items"].size() == 0u);
  const auto bad = w.admin("/admin/outbox?limit=501");
  BOOST_TEST(bad.status == 400);
  BOOST_TEST(status_of(bad)["field"] == "limit");
  BOOST_TEST(status_of(w.admin("/admin/outbox?state=stuck"))["field"] == "state");
  BOOST_TEST(api_request("GET", w.serving.base + "/admin/outbox", *w.a.keys.api_key).status == 401);

  // One is given up on purpose: recorded, and no longer failed.
  const long long given_up = page["items"][0]["id"].get<long long>();
  const auto discarded = w.cli({"outbox", "discard", "--job", std::to_string(given_up), "--by", "ops-anna"});
  BOOST_TEST(discarded.exit_code == 0, discarded.err);
  BOOST_TEST(discarded.out == "discarded 1 job\n");
  BOOST_TEST(w.count("SELECT count(*) FROM outbox_jobs WHERE discarded_by = 'ops-anna' AND discarded_at IS NOT NULL") == 1);
  BOOST_TEST(eventually([&] { return w.metric("clientflow_outbox_jobs{state=\"failed\"}") == 2; }, std::chrono::seconds(30)));
  BOOST_TEST(w.admin("/admin/report").body.find("Failed Systeme.io syncs: <span id=\"outbox-failed\">2</span>") !=
             std::string::npos);
  const auto listed = w.cli({"outbox", "list", "--state", "failed"});
  BOOST_TEST(listed.exit_code == 0, listed.err);
  BOOST_TEST(std::count(listed.out.begin(), listed.out.end(), '\n') == 3);  // header and two jobs
  BOOST_TEST(w.cli({"outbox", "retry", "--job", "999999"}).exit_code == 2);
  BOOST_TEST(w.cli({"outbox", "retry", "--all-failed", "--tenant", w.a.tenant.id}).exit_code == 2);

  // The key fixed (SIGHUP), the failed ones are requeued and done.
  std::ofstream(w.config) << "database:\n  url: " << json(w.db.url()).dump() << "\n"
                          << config_yaml(systeme_yaml + "  api_key: right-api-key\n");
  kill(w.serving.daemon->pid(), SIGHUP);
  BOOST_REQUIRE(w.serving.daemon->wait_for_output("\"message\":\"config reloaded\"", std::chrono::seconds(20)));
  const auto retried = w.cli({"outbox", "retry", "--all-failed"});
  BOOST_TEST(retried.exit_code == 0, retried.err);
  BOOST_TEST(retried.out == "requeued 2 jobs\n");
  BOOST_TEST(eventually([&] { return w.count("SELECT count(*) FROM outbox_jobs WHERE done_at IS NOT NULL") == 2; },
                        std::chrono::seconds(30)));
  BOOST_TEST(systeme.contacts_created() == 2);
  BOOST_TEST(w.count("SELECT count(*) FROM leads WHERE synced_at IS NOT NULL") == 2);
  BOOST_TEST(eventually([&] { return w.metric("clientflow_outbox_jobs{state=\"failed\"}") == 0; }, std::chrono::seconds(30)));
  BOOST_TEST(w.count("SELECT count(*) FROM outbox_jobs WHERE discarded_at IS NOT NULL AND done_at IS NULL") == 1);
}
