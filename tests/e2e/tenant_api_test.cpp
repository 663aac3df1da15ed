// The tenant API through the real binary: capture answers and validation, both duplicate
// policies, 503 while the database is unreachable, captures reaching Systeme.io across a kill -9,
// the per-tenant rate limit, and the outbox serving tenants in turn. (Credentials and isolation, endpoint by endpoint: e2e_isolation.)
#define BOOST_TEST_MODULE tenant_api
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <thread>

#include "store/tenants.h"
#include "tests/support/fake_systeme.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_database.h"

using namespace cf;
using namespace cf::testing;
using nlohmann::json;

namespace {

struct Api {
  TestDatabase db;
  store::NewTenant a, b;
  std::unique_ptr<Background> daemon;
  std::string base;
  std::string metrics;  // the daemon's /metrics URL

  explicit Api(const std::string& extra = "", const std::string& url = "") {
    db.migrate();
    auto c = db.connect();
    store::TenantStore tenants(*c);
    a = *tenants.add(*store::TenantDraft::make("John", "john@example.com", "ib-abc123-"));
    b = *tenants.add(*store::TenantDraft::make("Sarah", "sarah@example.com", "ib-def456-"));
    const auto config = write_relay_config(url.empty() ? db.url() : url,
                                           "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\n" + extra);
    auto serving = serve(config);
    daemon = std::move(serving.daemon);
    base = serving.base;
    metrics = serving.line["metrics"];
  }
  HttpResponse call(const std::string& method, const std::string& path, const std::string& key, const std::string& body = "") {
    return api_request(method, base + path, key, body);
  }
  HttpResponse capture(const std::string& key, const std::string& email, const std::string& volume = "0-50") {
    return call("POST", "/v1/leads", key,
                json{{"email", email}, {"name", "Trader"}, {"ib_type", "forex-ib"}, {"monthly_leads", volume}}.dump());
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(capture_answers_and_validation) {
  Api api;
  const std::string key = *api.a.keys.api_key;
  const auto created = api.capture(key, " Trader@Example.com ", "500+");
  BOOST_TEST(created.status == 201);
  const auto lead = json::parse(created.body);
  for (const char* field : {"id", "email", "name", "phone", "ib_type", "monthly_leads", "broker_network", "tags", "converted",
                            "open_count", "last_opened_at", "systeme_contact_id", "synced_at", "sync_error", "created_at"}) {
    BOOST_TEST(lead.contains(field), field);
  }
  BOOST_TEST(lead.size() == 15u);
  BOOST_TEST(lead["email"] == "trader@example.com");
  const auto again = api.capture(key, "trader@example.com");
  BOOST_TEST(again.status == 200);
  BOOST_TEST(json::parse(again.body)["id"] == lead["id"]);

  const auto bad = api.call("POST", "/v1/leads", key, R"({"email": "x@y.co", "name": "Jo", "ib_type": "forex-ib", "monthly_leads": "lots"})");
  BOOST_TEST(bad.status == 400);
  BOOST_TEST(json::parse(bad.body)["field"] == "monthly_leads");
  BOOST_TEST(api.call("GET", "/v1/leads?limit=101", key).status == 400);
  BOOST_TEST(json::parse(api.call("GET", "/v1/leads?created_after=yesterday", key).body)["field"] == "created_after");
  // Encoded as a browser or HTTP library would send it.
  const auto encoded = api.call("GET", "/v1/leads?created_after=2000-01-01T00%3A00%3A00%2B00%3A00&created_before=2999-01-01T00:00:00Z", key);
  BOOST_TEST(encoded.status == 200);
  BOOST_TEST(json::parse(encoded.body)["items"].size() == 1u);
  BOOST_TEST(json::parse(api.call("GET", "/v1/leads?cursor=abc", key).body)["field"] == "cursor");

  // Allowed by default: B captures the same person and both own a lead.
  BOOST_TEST(api.capture(*api.b.keys.api_key, "trader@example.com").status == 201);
  BOOST_TEST(api.daemon->stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(reject_policy_reveals_no_ib) {
  Api api("leads:\n  duplicate_policy: reject\n");
  BOOST_REQUIRE(api.capture(*api.a.keys.api_key, "trader@example.com").status == 201);
  const auto refused = api.capture(*api.b.keys.api_key, "Trader@example.com");
  BOOST_TEST(refused.status == 409);
  BOOST_TEST(refused.body == R"({"error":"This lead is already registered with another IB"})");
  BOOST_TEST(json::parse(api.call("GET", "/v1/stats", *api.b.keys.api_key).body)["total_leads"] == 0);
  BOOST_TEST(api.daemon->stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(database_down_is_503_then_recovers) {
  const auto [host, port] = database_address(cluster_url());
  TcpProxy proxy(host, port);
  // Start as usual, then restart the daemon with its database reached through the proxy.
  auto probe = std::make_unique<Api>();
  const std::string url = via_proxy(probe->db.url(), proxy);
  probe->daemon->stop(SIGTERM);
  const auto config = write_relay_config(url, "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\n");
  auto serving = serve(config);
  probe->daemon = std::move(serving.daemon);
  probe->base = serving.base;
  const std::string key = *probe->a.keys.api_key;
  BOOST_TEST(probe->call("GET", "/v1/stats", key).status == 200);
  proxy.cut();
  const auto down = probe->call("GET", "/v1/stats", key);
  BOOST_TEST(down.status == 503);
  BOOST_TEST(down.headers.count("retry-after") == 1u);
  proxy.restore();
  BOOST_TEST(eventually([&] { return probe->call("GET", "/v1/stats", key).status == 200; }));
  BOOST_TEST(probe->daemon->stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(captures_reach_systeme_and_survive_kill_9_mid_queue) {
  FakeSysteme systeme("e2e-api-key");
  const std::string extra = "systeme:\n  api_base: " + systeme.api_base() +
                            "\n  api_key: e2e-api-key\n  requests_per_second: 15\n  timeout_seconds: 2\n  job_lease_seconds: 5\n";
  Api api(extra);
  constexpr int kLeads = 30;
  for (int i = 0; i < kLeads; ++i) {
    const auto& key = i % 2 ? *api.a.keys.api_key : *api.b.keys.api_key;
    BOOST_REQUIRE(api.capture(key, "k" + std::to_string(i) + "@example.com", i % 3 ? "0-50" : "500+").status == 201);
  }
  // Let some syncs happen, then kill the daemon in the middle of the queue.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (systeme.contacts_created() < 5 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(api.daemon->pid(), SIGKILL);
  api.daemon->stop(SIGKILL);
  const int before_restart = systeme.contacts_created();
  BOOST_TEST(before_restart >= 5);
  BOOST_TEST(before_restart < kLeads);

  const auto config = write_relay_config(api.db.url(), "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\n" + extra);
  api.daemon = std::make_unique<Background>(std::vector<std::string>{relay_binary(), "serve", "--config", config});
  BOOST_REQUIRE(api.daemon->wait_for_output("\"message\":\"serving\"", std::chrono::seconds(30)));
  auto c = api.db.connect();
  const auto settle = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  int pending = -1;
  while (std::chrono::steady_clock::now() < settle) {
    pqxx::read_transaction tx(*c);
    pending = tx.exec1("SELECT count(*) FROM outbox_jobs WHERE done_at IS NULL AND failed_at IS NULL")[0].as<int>();
    if (pending == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(pending == 0);
  // Nothing lost, nothing twice: one contact per email, each tag assigned once.
  BOOST_TEST(systeme.contacts_created() == kLeads);
  BOOST_TEST(systeme.repeated_assignments() == 0);
  int assigned = 0;
  for (const auto& contact : systeme.contacts()) assigned += static_cast<int>(contact.tag_ids.size());
  BOOST_TEST(assigned == kLeads * 2 + 10);  // demo-request and forex-ib, high-volume for i % 3 == 0
  pqxx::read_transaction tx(*c);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM leads WHERE synced_at IS NOT NULL AND systeme_contact_id IS NOT NULL")[0].as<int>() == kLeads);
  BOOST_TEST(api.daemon->stop(SIGTERM) == 0);
}

// One tenant hammering the API is refused with 429 and Retry-After while another tenant's
// requests, in the same seconds and within its own budget, are never refused; the refusals are
// counted by outcome, with no tenant in the labels.
BOOST_AUTO_TEST_CASE(one_tenant_hammering_gets_429s_and_another_none) {
  Api api("api:\n  requests_per_second_per_tenant: 1\n  burst_per_tenant: 3\n");
  const std::string key_a = *api.a.keys.api_key;
  const std::string key_b = *api.b.keys.api_key;
  int refused_a = 0, refused_b = 0, answered_b = 0, without_retry_after = 0;
  for (int i = 0; i < 30; ++i) {
    const auto r = api.call("GET", "/v1/stats", key_a);
    BOOST_REQUIRE(r.status == 200 || r.status == 429);
    if (r.status == 429) {
      ++refused_a;
      const auto retry_after = r.headers.find("retry-after");
      if (retry_after == r.headers.end() || std::stoi(retry_after->second) < 1) ++without_retry_after;
      BOOST_TEST(json::parse(r.body).contains("error"));
    }
    if (i % 10 == 5) {  // B, three times within its burst, between A's requests
      const auto b = api.call("GET", "/v1/leads", key_b);
      if (b.status == 429) ++refused_b;
      if (b.status == 200) ++answered_b;
    }
  }
  BOOST_TEST(refused_a >= 1);
  BOOST_TEST(without_retry_after == 0);
  BOOST_TEST(refused_b == 0);
  BOOST_TEST(answered_b == 3);
  const auto scraped = http_get(api.metrics).body;
  BOOST_TEST(scraped.find("clientflow_tenant_api_requests_total{outcome=\"rate_limited\"} " + std::to_string(refused_a) + "\n") !=
             std::string::npos, scraped);
  BOOST_TEST(scraped.find(api.a.tenant.id) == std::string::npos);
  BOOST_TEST(api.daemon->stop(SIGTERM) == 0);
}

// The outbox serves tenants in turn: while A's 500 captures wait for Systeme.io, B's one capture
// is among the first two leads the daemon sends after it was queued (the fake Systeme.io records
// the order in which contacts are created).
BOOST_AUTO_TEST_CASE(one_tenants_500_captures_do_not_delay_anothers_sync) {
  FakeSysteme systeme("e2e-api-key");
  Api api("systeme:\n  api_base: " + systeme.api_base() +
          "\n  api_key: e2e-api-key\n  requests_per_second: 20\n  timeout_seconds: 2\n"
          "api:\n  requests_per_second_per_tenant: 1000\n  burst_per_tenant: 1000\n");
  for (int i = 0; i < 500; ++i) {
    BOOST_REQUIRE(api.capture(*api.a.keys.api_key, "a" + std::to_string(i) + "@example.com").status == 201);
  }
  BOOST_REQUIRE(api.capture(*api.b.keys.api_key, "b@example.com").status == 201);
  const std::size_t sent_before = systeme.created_emails().size();
  BOOST_TEST_MESSAGE(sent_before << " of A's leads were sent before B's was queued");
  BOOST_REQUIRE(sent_before < 400u);  // A's queue is still long
  const auto sent_b = [&] {
    const auto emails = systeme.created_emails();
    return std::find(emails.begin(), emails.end(), "b@example.com") != emails.end();
  };
  BOOST_REQUIRE(eventually(sent_b, std::chrono::seconds(60)));
  const auto emails = systeme.created_emails();
  const auto position = static_cast<std::size_t>(std::find(emails.begin(), emails.end(), "b@example.com") - emails.begin());
  BOOST_TEST(position - sent_before < 2u, "B's lead was sent " << position - sent_before + 1 << "th after it was queued");
  BOOST_TEST(api.daemon->stop(SIGTERM) == 0);
}
