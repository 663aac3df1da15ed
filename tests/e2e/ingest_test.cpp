// Webhook ingest through the real binary: every event type and body shape over HTTP, signature
// rotation, each status code, replay through the CLI, losing and regaining the database, and a
// kill -9 under load after which every delivery answered 200 is found stored exactly once.
#define BOOST_TEST_MODULE ingest
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/clock.h"
#include "store/tenants.h"
#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/own_cluster.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_database.h"

using namespace cf;
using namespace cf::testing;
using nlohmann::json;

namespace {

const std::string kOldSecret = "old-webhook-secret";
const std::string kNewSecret = "new-webhook-secret";

// A migrated database with tenants A and B, and the daemon serving it.
struct Relay {
  TestDatabase db;
  store::NewTenant a, b;
  std::string config;
  std::unique_ptr<Background> daemon;
  std::string base;
  std::string metrics_url;

  // In the suite's cluster, or in `cluster`; the daemon reaches it at `database_url` when given.
  explicit Relay(const std::string& database_url = "", const std::string& cluster = "")
      : db(cluster.empty() ? cluster_url() : cluster) {
    db.migrate();
    auto c = db.connect();
    store::TenantStore tenants(*c);
    a = *tenants.add(*store::TenantDraft::make("A", "a@example.com", "ib-aaa111-"));
    b = *tenants.add(*store::TenantDraft::make("B", "b@example.com", "ib-bbb222-"));
    config = write_relay_config(database_url.empty() ? db.url() : database_url,
                                "http:\n  listen: \"127.0.0.1:0\"\n  max_body_bytes: 4096\n"
                                "metrics:\n  listen: \"127.0.0.1:0\"\n"
                                "systeme:\n  webhook_secrets: [\"" + kOldSecret + "\", \"" + kNewSecret + "\"]\n");
    start();
  }

  void start() {
    auto serving = serve(config);
    daemon = std::move(serving.daemon);
    base = serving.base;
    metrics_url = serving.line["metrics"].get<std::string>();
  }
  HttpResponse rule(const std::string& token, const std::string& kind, const std::string& body) {
    return http_request("POST", base + "/webhooks/systeme/rules/" + token + "/" + kind, body,
                        {{"Content-Type", "application/json"}});
  }
  // The value of an unlabelled sample line `name` on /metrics; -1 when it is not there.
  double metric(const std::string& name) {
    const std::string page = http_get(metrics_url).body;
    const auto at = page.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stod(page.substr(at + name.size() + 2));
  }

  HttpResponse post(const std::string& event, const std::string& body, const std::string& message_id,
                    const std::string& signature, const std::string& timestamp = "") {
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"},
                                               {"User-Agent", "SystemeIO-Webhook"},
                                               {"X-Webhook-Signature", signature}};
    if (!event.empty()) headers["X-Webhook-Event"] = event;
    if (!message_id.empty()) headers["X-Webhook-Message-Id"] = message_id;
    if (!timestamp.empty()) headers["X-Webhook-Event-Timestamp"] = timestamp;
    return http_request("POST", base + "/webhooks/systeme", body, headers);
  }
  HttpResponse signed_post(const std::string& event, const std::string& body, const std::string& message_id,
                           const std::string& timestamp = "") {
    return post(event, body, message_id, sign(kNewSecret, body), timestamp);
  }
  std::string status_of(const HttpResponse& response) {
    return response.status == 200 ? json::parse(response.body)["status"].get<std::string>() : std::to_string(response.status);
  }

  long long count(const std::string& sql) {
    auto c = db.connect();
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<long long>();
  }
  void exec(const std::string& sql) {
    auto c = db.connect();
    pqxx::work tx(*c);
    tx.exec0(sql);
    tx.commit();
  }
  std::string text(const std::string& sql) {
    auto c = db.connect();
    pqxx::read_transaction tx(*c);
    const auto field = tx.exec1(sql)[0];
    return field.is_null() ? "NULL" : field.as<std::string>();
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(every_event_type_and_body_shape) {
  Relay relay;
  // Tag added, live single nesting; signed with the old secret during a rotation.
  const auto added = tag_body(7, "Lead@Example.com", "ib-aaa111-demo-request");
  BOOST_TEST(relay.status_of(relay.post("CONTACT_TAG_ADDED", added, "m1", sign(kOldSecret, added))) == "routed");
  // Tag added, the documentation's double nesting; upper-case hex signature with the new secret.
  // (contact.tags is a snapshot of the contact's tags: each body below carries the real state.)
  std::string upper = sign(kNewSecret, R"({"contact": {"contact": {"id": 7, "email": "lead@example.com", "tags": [{"id": 1, "name": "ib-aaa111-demo-request"}]}}, "tag": {"id": 8, "name": "ib-aaa111-high-volume"}})");
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  BOOST_TEST(relay.status_of(relay.post(
                 "CONTACT_TAG_ADDED",
                 R"({"contact": {"contact": {"id": 7, "email": "lead@example.com", "tags": [{"id": 1, "name": "ib-aaa111-demo-request"}]}}, "tag": {"id": 8, "name": "ib-aaa111-high-volume"}})",
                 "m2", upper)) == "routed");
  // Contact created with fields as a list; opt-in.
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_CREATED",
                                               R"({"contact": {"id": 7, "email": "lead@example.com", "fields": [{"slug": "first_name", "value": "Jo"}], "tags": [{"id": 1, "name": "ib-aaa111-demo-request"}, {"id": 2, "name": "ib-aaa111-high-volume"}]}})",
                                               "m3")) == "routed");
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_OPT_IN", contact_body(7, "lead@example.com", {"ib-aaa111-demo-request", "ib-aaa111-high-volume"}), "m4")) == "routed");
  // A sale, PHP-escaped slashes, no tags: routed through the mirror.
  BOOST_TEST(relay.status_of(relay.signed_post(
                 "SALE_NEW",
                 R"({"customer": {"id": 12799002, "contactId": 7, "email": "lead@example.com", "fields": {"first_name": "Jo"}, "sourceUrl": "https:\/\/x.systeme.io\/466f06b8"}, "order": {"id": 1, "totalPrice": 100, "vat": 0.0}, "pricePlan": {"amount": 100, "currency": "eur"}})",
                 "m5")) == "routed");
  BOOST_TEST(relay.status_of(relay.signed_post("SALE_CANCELED", R"({"customer": {"contactId": 7, "email": "lead@example.com"}})", "m6")) == "routed");
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_TAG_REMOVED", tag_body(7, "lead@example.com", "ib-aaa111-high-volume", {"ib-aaa111-demo-request"}), "m7")) == "routed");
  // A workflow webhook with fields as [] and one with fields as an object.
  const std::string rules = relay.base + "/webhooks/systeme/rules/" + *relay.a.keys.rule_token;
  BOOST_TEST(http_request("POST", rules + "/email-opened", rule_body(7, "lead@example.com")).status == 200);
  BOOST_TEST(http_request("POST", rules + "/link-clicked",
                          R"({"type": "x", "data": {"contact": {"id": 7, "email": "lead@example.com", "fields": {"first_name": "Jo"}}}})")
                 .status == 200);

  BOOST_TEST(relay.count("SELECT count(*) FROM webhook_events WHERE status = 'routed'") == 9);
  BOOST_TEST(relay.count("SELECT count(*) FROM leads") == 1);
  BOOST_TEST(relay.text("SELECT array_to_string(tags, ',') || ' ' || open_count FROM leads") == "ib-aaa111-demo-request 1");
  // The sale converts the lead; the cancel names no order, so it undoes no sale.
  BOOST_TEST(relay.text("SELECT string_agg(kind, ',' ORDER BY id) FROM lead_events") ==
             "tag_added,tag_added,contact_created,opt_in,sale_new,conversion_reason_added,converted,sale_canceled,"
             "tag_removed,email-opened,link-clicked");
  BOOST_TEST(relay.daemon->stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(status_codes) {
  Relay relay;
  const auto body = tag_body(7, "x@example.com", "ib-aaa111-demo-request");
  BOOST_TEST(relay.post("CONTACT_TAG_ADDED", body, "s1", sign("wrong-secret", body)).status == 401);
  BOOST_TEST(relay.post("CONTACT_TAG_ADDED", body, "s1", "").status == 401);
  BOOST_TEST(relay.post("CONTACT_TAG_ADDED", body, "s1", sign(kNewSecret, body + " ")).status == 401);
  BOOST_TEST(relay.count("SELECT count(*) FROM webhook_events") == 0);

  const auto ok = relay.signed_post("CONTACT_TAG_ADDED", body, "s1");
  BOOST_TEST(ok.status == 200);
  BOOST_TEST(ok.headers.at("connection") == "Keep-Alive");
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_TAG_ADDED", body, "s1")) == "duplicate");

  const std::string big = tag_body(7, "x@example.com", "ib-aaa111-" + std::string(5000, 'x'));
  BOOST_TEST(relay.signed_post("CONTACT_TAG_ADDED", big, "s2").status == 413);
  BOOST_TEST(relay.signed_post("CONTACT_TAG_ADDED", big + std::string(40000, ' '), "s3").status == 413);

  BOOST_TEST(relay.status_of(relay.signed_post("", body, "s4")) == "unsupported");
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_MERGED", body, "s5")) == "unsupported");
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_CREATED", "{oops", "s6")) == "malformed");
  // An event name that is not UTF-8 is kept (as unsupported, under a readable name) like any other.
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_\xff\xfe", body, "s7")) == "unsupported");
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_CREATED", "{\"a\xff\xfe", "s8")) == "malformed");
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_CREATED", "\xff{}", "s9")) == "malformed");

  const std::string rules = relay.base + "/webhooks/systeme/rules/";
  BOOST_TEST(http_request("POST", rules + std::string(40, 'z') + "/email-opened", rule_body(7, "x@example.com")).status == 401);
  BOOST_TEST(http_request("POST", rules + "short/email-opened", rule_body(7, "x@example.com")).status == 401);
  BOOST_TEST(http_request("POST", rules + *relay.a.keys.rule_token + "/Email_Opened", rule_body(7, "x@example.com")).status == 404);
  BOOST_TEST(http_request("POST", rules + *relay.a.keys.rule_token + "/" + std::string(41, 'k'), rule_body(7, "x@example.com")).status == 404);
  BOOST_TEST(relay.status_of(http_request("POST", rules + *relay.a.keys.rule_token + "/email-opened", rule_body(7, "x@example.com"))) == "routed");
  BOOST_TEST(relay.status_of(http_request("POST", rules + *relay.a.keys.rule_token + "/email-opened", rule_body(7, "x@example.com"))) == "duplicate");

  BOOST_TEST(relay.count("SELECT count(*) FROM webhook_events") == 8);
  BOOST_TEST(relay.daemon->stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(replay_after_adding_the_missing_tenant) {
  Relay relay;
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_TAG_ADDED", tag_body(5, "n@example.com", "ib-ccc333-demo"), "r1")) ==
             "unknown_prefix");
  auto added = run({relay_binary(), "tenant", "add", "--name", "C", "--email", "c@example.com", "--prefix", "ib-ccc333-",
                    "--config", relay.config});
  BOOST_REQUIRE(added.exit_code == 0);
  const std::string c_id = json::parse(added.out)["id"];
  auto replayed = run({relay_binary(), "events", "replay", "--config", relay.config});
  BOOST_TEST(replayed.exit_code == 0);
  BOOST_TEST(replayed.out.find("CONTACT_TAG_ADDED: unknown_prefix -> routed (tenant " + c_id + ")") != std::string::npos);
  BOOST_TEST(replayed.out.find("replayed 1 deliveries: 1 now routed, 0 with another status, 0 unchanged") != std::string::npos);
  BOOST_TEST(relay.text("SELECT tenant_id::text FROM leads WHERE email = 'n@example.com'") == c_id);
  auto bad = run({relay_binary(), "events", "replay", "--status", "routed", "--config", relay.config});
  BOOST_TEST(bad.exit_code == 2);
}

BOOST_AUTO_TEST_CASE(database_lost_and_regained_without_restart) {
  const auto [host, port] = database_address(cluster_url());
  TcpProxy proxy(host, port);
  // Restart the daemon so that it reaches PostgreSQL only through the proxy.
  auto relay = std::make_unique<Relay>();
  relay->daemon->stop(SIGTERM);
  relay->config = write_relay_config(via_proxy(relay->db.url(), proxy),
                                     "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\n"
                                     "systeme:\n  webhook_secrets: [\"" + kNewSecret + "\"]\n");
  relay->start();
  BOOST_TEST(relay->status_of(relay->signed_post("CONTACT_TAG_ADDED", tag_body(1, "d@example.com", "ib-aaa111-x"), "d1")) == "routed");

  proxy.cut();
  // While it is down: only 503s with Retry-After, fast, and nothing claimed.
  int unavailable = 0;
  for (int i = 0; i < 5; ++i) {
    const auto r = relay->signed_post("CONTACT_TAG_ADDED", tag_body(2, "e@example.com", "ib-aaa111-y"), "down-" + std::to_string(i));
    if (r.status == 503 && r.headers.count("retry-after") && r.headers.at("retry-after") == "5") ++unavailable;
  }
  BOOST_TEST(unavailable == 5);
  proxy.restore();
  BOOST_TEST(eventually([&] {
    return relay->signed_post("CONTACT_TAG_ADDED", tag_body(2, "e@example.com", "ib-aaa111-y"), "down-0").status == 200;
  }));
  BOOST_TEST(relay->count("SELECT count(*) FROM webhook_events") == 2);
  BOOST_TEST(relay->daemon->stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(postgresql_stopped_10_s_under_load) {
  OwnCluster cluster;
  Relay relay("", cluster.url());
  using Clock = std::chrono::steady_clock;
  struct Answer {
    std::string id;
    long status = 0;
    bool retry_after = false;
    Clock::time_point sent, answered;
  };
  // Client c's i-th delivery: contact i % 200 always gets the same tenant's tags, so each routes.
  const auto body_of = [](int c, int i) {
    return tag_body(30000 + i % 200, "s" + std::to_string(i % 200) + "@example.com",
                    (i % 2 ? "ib-aaa111-s" : "ib-bbb222-s") + std::to_string(c));
  };
  constexpr int kClients = 4;
  std::atomic<bool> stop{false};
  std::vector<std::vector<Answer>> answers(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !stop; ++i) {
        Answer answer;
        answer.id = "pg" + std::to_string(c) + "-" + std::to_string(i);
        answer.sent = Clock::now();
        const auto r = relay.signed_post("CONTACT_TAG_ADDED", body_of(c, i), answer.id);
        answer.answered = Clock::now();
        answer.status = r.status;
        answer.retry_after = r.headers.count("retry-after") == 1;
        answers[c].push_back(answer);
        // A sender told to come back later waits a little, as Systeme.io does.
        if (r.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  BOOST_REQUIRE(eventually([&] { return relay.count("SELECT count(*) FROM webhook_events") >= 200; }, std::chrono::seconds(60)));
  cluster.stop();
  const auto down_from = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(10));
  const auto down_until = Clock::now();
  cluster.start();
  const auto up_again = Clock::now();
  // Recovery without a restart: deliveries are stored again by the same process.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  stop = true;
  for (auto& t : clients) t.join();
  BOOST_TEST(relay.daemon->running());

  std::map<std::string, int> while_down, after;  // status -> count
  int total_ok = 0;
  json acknowledged = json::array();
  std::vector<std::pair<int, int>> refused;  // client, index
  for (int c = 0; c < kClients; ++c) {
    for (std::size_t i = 0; i < answers[c].size(); ++i) {
      const Answer& answer = answers[c][i];
      const std::string status = std::to_string(answer.status) + (answer.retry_after ? " retry-after" : "");
      if (answer.sent >= down_from && answer.answered <= down_until) while_down[status]++;
      if (answer.sent >= up_again) after[status]++;
      if (answer.status == 200) {
        ++total_ok;
        acknowledged.push_back("msg:" + answer.id);
      } else {
        refused.emplace_back(c, static_cast<int>(i));
      }
    }
  }
  BOOST_TEST_MESSAGE("while down: " << json(while_down).dump() << ", after: " << json(after).dump() << ", 200s: " << total_ok
                                     << ", refused: " << refused.size());
  // While PostgreSQL is down: only 503 with Retry-After, never a 200.
  BOOST_TEST(while_down.size() == 1u);
  BOOST_TEST(while_down["503 retry-after"] > 100);
  BOOST_TEST(after["200"] > 0);
  // Every 200 is a committed row, stored once.
  BOOST_TEST(relay.count("SELECT count(*) FROM webhook_events WHERE dedup_key IN (SELECT jsonb_array_elements_text('" +
                         acknowledged.dump() + "'::jsonb))") == total_ok);
  BOOST_TEST(relay.count("SELECT count(*) FROM (SELECT dedup_key FROM webhook_events GROUP BY 1 HAVING count(*) > 1) d") == 0);

  // The refused deliveries, sent again as Systeme.io retries them, are all taken now: every
  // delivery sent is stored once and has its one timeline entry.
  int sent = total_ok;
  for (const auto& [c, i] : refused) {
    const auto r = relay.signed_post("CONTACT_TAG_ADDED", body_of(c, i), answers[c][i].id);
    BOOST_REQUIRE(r.status == 200);
    ++sent;
  }
  BOOST_TEST(relay.count("SELECT count(*) FROM webhook_events") == sent);
  BOOST_TEST(relay.count("SELECT count(*) FROM lead_events") == sent);
  BOOST_TEST(relay.daemon->stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(kill_9_under_load_loses_no_acknowledged_delivery) {
  Relay relay;
  constexpr int kClients = 4;
  std::atomic<bool> stop{false};
  std::vector<std::vector<std::string>> acknowledged(kClients);
  std::vector<std::vector<std::pair<std::string, std::string>>> sent(kClients);  // message id, body
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !stop && i < 20000; ++i) {
        const std::string id = "k" + std::to_string(c) + "-" + std::to_string(i);
        const std::string body = tag_body(10000 + (i % 300), "p" + std::to_string(i % 300) + "@example.com",
                                          (i % 2 ? "ib-aaa111-t" : "ib-bbb222-t") + std::to_string(i % 5));
        sent[c].emplace_back(id, body);
        const auto r = relay.signed_post("CONTACT_TAG_ADDED", body, id);
        if (r.status == 200) acknowledged[c].push_back(id);
      }
    });
  }
  BOOST_TEST(eventually([&] { return relay.count("SELECT count(*) FROM webhook_events") >= 300; }, std::chrono::seconds(60)));
  kill(relay.daemon->pid(), SIGKILL);
  relay.daemon->stop(SIGKILL);
  stop = true;
  for (auto& t : clients) t.join();

  std::size_t answered = 0;
  json ids = json::array();
  for (const auto& per_client : acknowledged) {
    answered += per_client.size();
    for (const auto& id : per_client) ids.push_back("msg:" + id);
  }
  BOOST_TEST(answered >= 300u);
  const int stored_before = relay.count("SELECT count(*) FROM webhook_events");
  {
    auto c = relay.db.connect();
    pqxx::read_transaction tx(*c);
    const int found = tx.exec_params1("SELECT count(*) FROM webhook_events WHERE dedup_key IN "
                                      "(SELECT jsonb_array_elements_text($1::jsonb))",
                                      ids.dump())[0].as<int>();
    BOOST_TEST(found == static_cast<int>(answered));  // every 200 is stored
  }
  BOOST_TEST(relay.count("SELECT count(*) FROM (SELECT dedup_key FROM webhook_events GROUP BY 1 HAVING count(*) > 1) d") == 0);
  BOOST_TEST(relay.count("SELECT count(*) FROM lead_events") == relay.count("SELECT count(*) FROM webhook_events WHERE status = 'routed'"));

  // Restart and redeliver everything that was sent: the stored ones change nothing.
  relay.start();
  int redelivered_duplicates = 0, newly_stored = 0;
  for (const auto& per_client : sent) {
    for (const auto& [id, body] : per_client) {
      const auto r = relay.signed_post("CONTACT_TAG_ADDED", body, id);
      BOOST_REQUIRE(r.status == 200);
      (relay.status_of(r) == "duplicate" ? redelivered_duplicates : newly_stored)++;
    }
  }
  BOOST_TEST(redelivered_duplicates == stored_before);
  BOOST_TEST(relay.count("SELECT count(*) FROM webhook_events") == stored_before + newly_stored);
  BOOST_TEST(relay.count("SELECT count(*) FROM lead_events") == relay.count("SELECT count(*) FROM webhook_events WHERE status = 'routed'"));
  BOOST_TEST(relay.daemon->stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(sigterm_under_load_drains_and_exits_0) {
  Relay relay;
  constexpr int kClients = 4;
  std::atomic<bool> stop{false};
  std::vector<std::vector<std::string>> acknowledged(kClients);
  std::vector<std::map<long, int>> statuses(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !stop && i < 50000; ++i) {
        const std::string id = "t" + std::to_string(c) + "-" + std::to_string(i);
        const auto r = relay.signed_post("CONTACT_TAG_ADDED", tag_body(20000 + i % 100, "q" + std::to_string(i % 100) + "@example.com", "ib-aaa111-x"), id);
        statuses[c][r.status]++;
        if (r.status == 200) acknowledged[c].push_back(id);
        if (r.status == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // refused: it has exited
      }
    });
  }
  BOOST_TEST(eventually([&] { return relay.count("SELECT count(*) FROM webhook_events") >= 200; }, std::chrono::seconds(60)));
  const auto asked = std::chrono::steady_clock::now();
  const int exit_code = relay.daemon->stop(SIGTERM, std::chrono::seconds(12));
  const auto took = std::chrono::steady_clock::now() - asked;
  stop = true;
  for (auto& t : clients) t.join();

  BOOST_TEST(exit_code == 0);
  BOOST_TEST((took < std::chrono::seconds(10)));
  std::size_t answered = 0;
  for (int c = 0; c < kClients; ++c) {
    answered += acknowledged[c].size();
    for (const auto& [status, n] : statuses[c]) {
      BOOST_TEST((status == 200 || status == 503 || status == 0), "status " << status << " x" << n);
    }
  }
  // Every 200 was committed. A delivery committed just as the daemon exited may have lost its
  // answer (the sender retries it and gets "duplicate"), never the other way round.
  json ids = json::array();
  for (const auto& per_client : acknowledged) {
    for (const auto& id : per_client) ids.push_back("msg:" + id);
  }
  auto c = relay.db.connect();
  pqxx::read_transaction tx(*c);
  BOOST_TEST(tx.exec_params1("SELECT count(*) FROM webhook_events WHERE dedup_key IN "
                             "(SELECT jsonb_array_elements_text($1::jsonb))",
                             ids.dump())[0].as<int>() == static_cast<int>(answered));
  BOOST_TEST(tx.exec1("SELECT count(*) FROM webhook_events")[0].as<std::size_t>() >= answered);
}

BOOST_AUTO_TEST_CASE(tag_stamped_in_year_9999_does_not_outrank_a_later_removal) {
  // A signed event's time is believed only up to ingest.max_clock_skew_seconds (300) past its
  // receipt: one stamped in year 9999 is ordered by when it arrived, so a removal stamped a
  // second after that wins, on the lead and in the mirror.
  Relay relay;
  const auto added = relay.signed_post("CONTACT_TAG_ADDED", tag_body(7, "t@example.com", "ib-aaa111-x"), "skew-1",
                                       "9999-12-31T23:59:59+00:00");
  BOOST_TEST(relay.status_of(added) == "routed");
  const EpochMs received = relay.count("SELECT (extract(epoch FROM received_at) * 1000)::bigint FROM webhook_events");
  const auto removed = relay.signed_post("CONTACT_TAG_REMOVED", tag_body(7, "t@example.com", "ib-aaa111-x", {"ib-aaa111-x"}),
                                         "skew-2", format_iso8601(received + 1000));
  BOOST_TEST(relay.status_of(removed) == "routed");
  BOOST_TEST(relay.text("SELECT array_to_string(tags, ',') FROM leads") == "");
  BOOST_TEST(relay.text("SELECT tags::text FROM systeme_contacts WHERE contact_id = 7") == "[]");
  // The delivery keeps the time it stated; nothing else holds a time past the skew allowed.
  BOOST_TEST(relay.text("SELECT extract(year FROM event_at)::int FROM webhook_events WHERE dedup_key = 'msg:skew-1'") == "9999");
  BOOST_TEST(relay.count("SELECT count(*) FROM leads, jsonb_each_text(tag_clock) AS c "
                         "WHERE c.value::bigint > (extract(epoch FROM now() + interval '301 seconds') * 1000)::bigint") == 0);
  BOOST_TEST(relay.count("SELECT count(*) FROM systeme_contacts WHERE snapshot_at > now() + interval '301 seconds'") == 0);
  BOOST_TEST(relay.metric("clientflow_webhook_clock_skew_total") == 1);
}

BOOST_AUTO_TEST_CASE(rule_call_a_moment_before_the_signed_tag_loses_nothing) {
  // A workflow calls its rule URL just before Systeme.io's signed tag event makes the lead: the
  // call is kept as no_lead, and the lead's creation routes it (timeline entry, open count).
  Relay relay;
  const std::string& token_a = *relay.a.keys.rule_token;
  const std::string& token_b = *relay.b.keys.rule_token;
  BOOST_TEST(relay.status_of(relay.rule(token_a, "email-opened", rule_body(8, "early@example.com"))) == "no_lead");
  BOOST_TEST(relay.status_of(relay.rule(token_b, "email-opened", rule_body(8, "early@example.com"))) == "no_lead");
  BOOST_TEST(relay.status_of(relay.rule(token_a, "link-clicked", rule_body(9, "stale@example.com"))) == "no_lead");
  // One waited more than 7 days: it stays where it is.
  relay.exec("UPDATE webhook_events SET received_at = now() - interval '8 days' WHERE email = 'stale@example.com'");
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_TAG_ADDED", tag_body(8, "early@example.com", "ib-aaa111-demo-request"), "nl-1")) ==
             "routed");
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_TAG_ADDED", tag_body(9, "stale@example.com", "ib-aaa111-demo-request"), "nl-2")) ==
             "routed");
  BOOST_TEST(relay.text("SELECT open_count || ' ' || (last_opened_at IS NOT NULL) FROM leads WHERE email = 'early@example.com'") ==
             "1 true");
  BOOST_TEST(relay.text("SELECT string_agg(e.kind, ',' ORDER BY e.id) FROM lead_events e JOIN leads l ON l.id = e.lead_id "
                        "WHERE l.email = 'early@example.com'") == "tag_added,email-opened");
  BOOST_TEST(relay.text("SELECT string_agg(e.kind, ',' ORDER BY e.id) FROM lead_events e JOIN leads l ON l.id = e.lead_id "
                        "WHERE l.email = 'stale@example.com'") == "tag_added");
  // A's call is routed to A's new lead; B's call for the same person stays B's, unrouted.
  BOOST_TEST(relay.text("SELECT string_agg(status || ':' || coalesce((rule_tenant_id = routed_tenant_id)::text, '-'), ',' ORDER BY id) "
                        "FROM webhook_events WHERE source = 'rule'") == "routed:true,no_lead:-,no_lead:-");

  // Waiting rule webhooks are not the unrouted backlog admins are alerted about: of these three
  // deliveries only the one with an unknown prefix is.
  BOOST_TEST(relay.status_of(relay.signed_post("CONTACT_TAG_ADDED", tag_body(11, "u@example.com", "ib-zzz999-x"), "nl-3")) ==
             "unknown_prefix");
  BOOST_TEST(eventually([&] { return relay.metric("clientflow_deliveries_unrouted") == 1; }));

  // The same when the ClientFlow app captures the person.
  BOOST_TEST(relay.status_of(relay.rule(token_a, "email-opened", rule_body(10, "captured@example.com"))) == "no_lead");
  const auto captured = post_lead_capture(relay.base, *relay.a.keys.api_key, "captured@example.com");
  BOOST_TEST(captured.status == 201);
  const auto lead = json::parse(api_request("GET", relay.base + "/v1/leads/" + json::parse(captured.body)["id"].get<std::string>(),
                                            *relay.a.keys.api_key).body);
  BOOST_TEST(lead["open_count"] == 1);
  BOOST_TEST(lead["events"].size() == 1u);
  BOOST_TEST(lead["events"][0]["kind"] == "email-opened");
  BOOST_TEST(relay.daemon->stop(SIGTERM) == 0);
}
