// The tenant API through the real binary: capture answers and validation, both duplicate
// policies, 503 while the database is unreachable, captures reaching Systeme.io across a kill -9,
// the per-tenant rate limit and cap on requests in flight, the statement timeout, look-alike
// ib_types refused, and the outbox serving tenants in turn. (Credentials and isolation, endpoint by endpoint: e2e_isolation.)
#define BOOST_TEST_MODULE tenant_api
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <atomic>
#include <future>
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
                            "converted_at", "converted_by", "open_count", "last_opened_at", "systeme_contact_id", "synced_at",
                            "sync_error", "created_at", "systeme_registered_at"}) {
    BOOST_TEST(lead.contains(field), field);
  }
  BOOST_TEST(lead.size() == 19u);  // the lead's 18 fields, and "created"
  BOOST_TEST(lead["created"] == true);
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
  // The zone is checked in memory, before any query: an unknown one is still a 400 naming tz.
  const auto unknown_zone = probe->call("GET", "/v1/stats?tz=Mars%2FOlympus", key);
  BOOST_TEST(unknown_zone.status == 400);
  BOOST_TEST(unknown_zone.body.find("\"field\":\"tz\"") != std::string::npos, unknown_zone.body);
  BOOST_TEST(probe->call("GET", "/v1/stats?tz=europe%2Fparis", key).status == 503);
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

namespace {

// The value of `series` (name and labels as exposed) in the daemon's /metrics; -1 when absent.
double scraped_value(const std::string& metrics_url, const std::string& series) {
  const std::string text = http_get(metrics_url).body;
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

// Requests of the tenant API the connection is waiting on a lock for.
int waiting_on_a_lock(pqxx::connection& c, const std::string& database) {
  pqxx::read_transaction tx(c);
  return tx.exec_params1("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
                         database)[0].as<int>();
}

}  // namespace

// IB A, within its rate, keeps the tenant API busy with requests that are slow in the database
// (here: waiting on a lock a test transaction holds on the tenants table, which every request
// reads to confirm its key before its tenant-bound statements, so the wait is not cut by their
// statement timeout and the test does not depend on how fast it runs). A gets no more
// than 4 requests queued or running at once: the rest are refused with 429 and Retry-After at
// once, counted as too_many_in_flight, so A cannot fill the shared queue. B's request in the same
// moment is admitted and, tenants taking turns, waits only for A's request already running: once
// the lock goes it is answered 200 among the first two, before A's three queued ones.
BOOST_AUTO_TEST_CASE(one_tenant_holding_its_in_flight_cap_gets_429s_while_another_is_answered) {
  Api api;
  const std::string key_a = *api.a.keys.api_key;
  std::atomic<int> refused_a{0}, answered{0};
  std::vector<std::future<std::pair<HttpResponse, int>>> calls_a;  // declared before `hold`, which ends first on failure
  std::future<std::pair<HttpResponse, int>> call_b;
  const auto in_order = [&](HttpResponse answer) {
    const int place = answer.status == 200 ? ++answered : 0;
    return std::make_pair(std::move(answer), place);
  };
  auto locker = api.db.connect();
  pqxx::work hold(*locker);
  hold.exec0("LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE");
  for (int i = 0; i < 10; ++i) {
    calls_a.push_back(std::async(std::launch::async, [&] {
      auto answer = api.call("GET", "/v1/leads?tag=zzz&limit=100", key_a);
      if (answer.status == 429) ++refused_a;
      return in_order(std::move(answer));
    }));
  }
  auto watcher = api.db.connect();
  BOOST_REQUIRE(eventually([&] { return refused_a == 6 && waiting_on_a_lock(*watcher, api.db.name()) == 1; }));
  call_b = std::async(std::launch::async, [&] { return in_order(api.call("GET", "/v1/stats", *api.b.keys.api_key)); });
  // B's request is past the HTTP thread and queued beside A's.
  BOOST_REQUIRE(eventually([&] {
    return scraped_value(api.metrics, "clientflow_tenant_api_requests_total{outcome=\"admitted\"}") == 5;
  }));
  BOOST_TEST((call_b.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout));

  hold.abort();
  const auto [b, b_place] = call_b.get();
  BOOST_TEST(b.status == 200);
  BOOST_TEST(json::parse(b.body)["total_leads"] == 0);
  BOOST_TEST(b_place <= 2, "B was answered " << b_place << "th once the lock went");
  int answered_a = 0;
  for (auto& call : calls_a) {
    const auto [answer, place] = call.get();
    if (answer.status == 200) ++answered_a;
    if (answer.status == 429) {
      BOOST_TEST(answer.headers.count("retry-after") == 1u);
      BOOST_TEST(json::parse(answer.body)["error"].get<std::string>().find("in flight") != std::string::npos);
    }
  }
  BOOST_TEST(answered_a == 4);
  BOOST_TEST(refused_a == 6);
  BOOST_TEST(scraped_value(api.metrics, "clientflow_tenant_api_requests_total{outcome=\"too_many_in_flight\"}") == 6);
  BOOST_TEST(scraped_value(api.metrics, "clientflow_tenant_api_requests_total{outcome=\"admitted\"}") == 5);
  // Every place came back: A may have 4 in flight again.
  std::vector<std::future<HttpResponse>> again;
  for (int i = 0; i < 4; ++i) again.push_back(std::async(std::launch::async, [&] { return api.call("GET", "/v1/stats", key_a); }));
  for (auto& call : again) BOOST_TEST(call.get().status == 200);
  BOOST_TEST(http_get(api.metrics).body.find(api.a.tenant.id) == std::string::npos);
  BOOST_TEST(api.daemon->stop(SIGTERM) == 0);
}

// A tenant-bound statement that runs past the statement timeout (3 s) is cancelled by PostgreSQL:
// the request answers 503 with Retry-After and says why (not 500), it is counted, and the same
// database connection answers the next request.
BOOST_AUTO_TEST_CASE(a_statement_past_the_timeout_answers_503_and_the_connection_serves_the_next) {
  Api api;
  const std::string key_a = *api.a.keys.api_key;
  BOOST_REQUIRE(api.call("GET", "/v1/stats", key_a).status == 200);
  std::future<HttpResponse> slow;  // declared before `hold`, which ends first on failure
  auto locker = api.db.connect();
  pqxx::work hold(*locker);
  hold.exec0("LOCK TABLE leads IN ACCESS EXCLUSIVE MODE");
  slow = std::async(std::launch::async, [&] { return api.call("GET", "/v1/leads?tag=zzz", key_a); });
  auto watcher = api.db.connect();
  BOOST_REQUIRE(eventually([&] { return waiting_on_a_lock(*watcher, api.db.name()) == 1; }));
  const int backend = [&] {
    pqxx::read_transaction tx(*watcher);
    return tx.exec_params1("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
                           api.db.name())[0].as<int>();
  }();
  BOOST_REQUIRE_MESSAGE(slow.wait_for(std::chrono::seconds(30)) == std::future_status::ready,
                        "the request was not cancelled while the lock was held");
  const auto cancelled = slow.get();
  BOOST_TEST(cancelled.status == 503);
  BOOST_TEST(cancelled.headers.count("retry-after") == 1u);
  BOOST_TEST(json::parse(cancelled.body)["error"] ==
             "the request ran past the database's time limit for one statement (3 s); retry later");
  hold.abort();

  BOOST_TEST(api.call("GET", "/v1/leads?tag=zzz", key_a).status == 200);
  pqxx::read_transaction tx(*watcher);
  BOOST_TEST(tx.exec_params1("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", backend)[0].as<int>() == 1);
  BOOST_TEST(scraped_value(api.metrics, "clientflow_tenant_api_statement_timeouts_total") == 1);
  BOOST_TEST(scraped_value(api.metrics, "clientflow_database_reconnects_total{component=\"api\"}") == 0);
  BOOST_TEST(api.daemon->stop(SIGTERM) == 0);
}

// IB A names an ib_type holding B's prefix ("ib-def456-demo-request-1"), which would make A's
// Systeme.io tags look like B's: refused with 400 naming ib_type, nothing stored or queued. A
// tenant whose own prefix ends in "ib" keeps its usual ib_types: its tag starts with its own
// prefix, which is all routing reads ("ib-xib-forex-ib" is ib-xib-'s).
BOOST_AUTO_TEST_CASE(look_alike_ib_types_holding_another_tenants_prefix_are_refused) {
  Api api;
  auto c = api.db.connect();
  const auto ending_in_ib = *store::TenantStore(*c).add(*store::TenantDraft::make("Xavier", "x@example.com", "ib-xib-"));
  const auto capture_as = [&](const std::string& key, const std::string& email, const std::string& ib_type) {
    return api.call("POST", "/v1/leads", key,
                    json{{"email", email}, {"name", "T"}, {"ib_type", ib_type}, {"monthly_leads", "0-50"}}.dump());
  };
  for (const auto& [key, ib_type] : std::vector<std::pair<std::string, std::string>>{
           {*api.a.keys.api_key, "ib-def456-demo-request-1"},
           {*api.a.keys.api_key, "forex-ib-def456-demo-request"},
           {*ending_in_ib.keys.api_key, "x-ib-def456-demo-request"}}) {
    const auto refused = capture_as(key, "t@example.com", ib_type);
    BOOST_TEST(refused.status == 400, ib_type);
    BOOST_TEST(json::parse(refused.body)["field"] == "ib_type", ib_type);
  }
  pqxx::read_transaction tx(*c);
  BOOST_TEST(tx.exec1("SELECT (SELECT count(*) FROM leads) + (SELECT count(*) FROM outbox_jobs)")[0].as<int>() == 0);
  tx.commit();
  BOOST_TEST(capture_as(*ending_in_ib.keys.api_key, "t@example.com", "forex-ib").status == 201);
  BOOST_TEST(capture_as(*ending_in_ib.keys.api_key, "u@example.com", "forex").status == 201);
  BOOST_TEST(api.daemon->stop(SIGTERM) == 0);
}
