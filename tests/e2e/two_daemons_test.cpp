// Two daemons on one database under load at once, as behind a load balancer: every delivery sent
// to both of them is stored once (one answers with its routing status, the other "duplicate"),
// its effects happen once, captures spread over both reach the fake Systeme.io once each (one
// contact per email, each tag assigned once) while it fails for a while (500s, 429s, hanging
// calls) and both outbox workers run, both reconcilers step aside while another run holds the
// reconcile lock and run after it, and neither daemon's log holds a secret, key or token.
#define BOOST_TEST_MODULE two_daemons
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "reconcile/reconciler.h"
#include "tests/support/deliveries.h"
#include "tests/support/fake_systeme.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/two_tenants.h"

using namespace cf::testing;
using nlohmann::json;

BOOST_FIXTURE_TEST_CASE(two_daemons_share_the_work_without_loss_or_double_effect, TwoTenants) {
  FakeSysteme systeme("two-daemons-api-key");
  const auto config = write_relay_config(
      db.url(), "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\nadmin:\n  token: " + admin_token +
                    "\nsysteme:\n  webhook_secrets: [" + secret + "]\n  api_base: " + systeme.api_base() +
                    "\n  api_key: two-daemons-api-key\n  requests_per_second: 30\n  timeout_seconds: 4\n"
                    "  job_lease_seconds: 30\nreconcile:\n  interval_seconds: 10\n");
  // Another reconcile run (held here) is in progress while both daemons' reconcilers come due.
  auto holder = db.connect();
  pqxx::nontransaction(*holder).exec_params("SELECT pg_advisory_lock($1)", cf::reconcile::kReconcileLock);
  Background first({relay_binary(), "serve", "--config", config});
  Background second({relay_binary(), "serve", "--config", config});
  const json serving_first = wait_until_serving(first);
  const json serving_second = wait_until_serving(second);
  BOOST_REQUIRE(serving_first.is_object());
  BOOST_REQUIRE(serving_second.is_object());
  const std::vector<std::string> bases{serving_first["http"], serving_second["http"]};

  // 300 distinct deliveries, each sent to both daemons at once by two senders.
  constexpr int kDeliveries = 300;
  std::mutex mutex;
  std::map<std::string, int> answers;  // "200 routed", "200 duplicate", ...
  std::vector<std::thread> senders;
  for (const auto& base : bases) {
    senders.emplace_back([&, base] {
      for (int n = 0; n < kDeliveries; ++n) {
        const int contact = n % 60;
        const std::string prefix = contact % 2 ? "ib-aaa111-" : "ib-bbb222-";
        const auto body = tag_body(5000 + contact, "c" + std::to_string(contact) + "@example.com",
                                   prefix + "step-" + std::to_string(n / 60));
        const auto response = post_account_webhook(base, secret, "CONTACT_TAG_ADDED", body, "two-" + std::to_string(n));
        const auto parsed = json::parse(response.body, nullptr, false);
        const std::string status = parsed.is_object() ? parsed.value("status", parsed.value("error", "?")) : "?";
        std::lock_guard<std::mutex> lock(mutex);
        answers[std::to_string(response.status) + " " + status]++;
      }
    });
  }
  // Systeme.io fails for a while as the captures arrive: server errors, rate limits with
  // Retry-After, and calls that hang past the daemons' 4 s timeout and are then carried out
  // (the answer lost on the way). The timeout and the 30 s lease leave room for a machine
  // loaded by other tests (a normal call past the timeout would cost an attempt of its own).
  systeme.fail_next(10, 500);
  systeme.fail_next(5, 429, 1);
  systeme.hang_next(3, 5);
  // 20 captures, spread over both daemons while the deliveries flow.
  constexpr int kLeads = 20;
  for (int i = 0; i < kLeads; ++i) {
    const auto& key = i % 2 ? *a.keys.api_key : *b.keys.api_key;
    BOOST_REQUIRE(post_lead_capture(bases[static_cast<std::size_t>(i % 2)], key, "lead" + std::to_string(i) + "@example.com")
                      .status == 201);
  }
  for (auto& sender : senders) sender.join();

  BOOST_TEST(answers["200 routed"] == kDeliveries);     // one daemon stored each delivery...
  BOOST_TEST(answers["200 duplicate"] == kDeliveries);  // ...and the other found it stored
  BOOST_TEST(answers.size() == 2u);
  pqxx::read_transaction tx(*c);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM webhook_events")[0].as<int>() == kDeliveries);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM lead_events WHERE kind = 'tag_added'")[0].as<int>() == kDeliveries);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM leads WHERE email LIKE 'c%@example.com'")[0].as<int>() == 60);
  tx.abort();

  // Both outbox workers drain the queue; Systeme.io sees each lead once.
  BOOST_REQUIRE(eventually([&] {
    pqxx::read_transaction check(*c);
    return check.exec1("SELECT count(*) FROM outbox_jobs WHERE done_at IS NULL AND failed_at IS NULL")[0].as<int>() == 0;
  }, std::chrono::seconds(90)));
  BOOST_TEST(systeme.contacts_created() == kLeads);
  BOOST_TEST(systeme.contacts().size() == static_cast<std::size_t>(kLeads));
  BOOST_TEST(systeme.repeated_assignments() == 0);
  {
    pqxx::read_transaction synced(*c);
    BOOST_TEST(synced.exec1("SELECT count(*) FROM outbox_jobs WHERE done_at IS NOT NULL")[0].as<int>() == kLeads);
    // Each of the 18 faults cost exactly one attempt of one job.
    BOOST_TEST(synced.exec1("SELECT sum(attempts) FROM outbox_jobs")[0].as<int>() == kLeads + 18);
    BOOST_TEST(synced.exec1("SELECT count(DISTINCT systeme_contact_id) FROM leads WHERE email LIKE 'lead%'")[0].as<int>() == kLeads);
  }
  int assigned = 0;
  for (const auto& contact : systeme.contacts()) assigned += static_cast<int>(contact.tag_ids.size());
  BOOST_TEST(assigned == kLeads * 2);  // demo-request and forex-ib

  // One reconcile at a time: while the run held here lasts, both daemons' runs step aside...
  const auto runs = [](const std::string& metrics_url, const std::string& result) {
    std::istringstream lines(http_request("GET", metrics_url).body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("clientflow_reconcile_runs_total{", 0) == 0 && line.find("result=\"" + result + "\"") != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  const std::vector<std::string> metrics{serving_first["metrics"], serving_second["metrics"]};
  BOOST_TEST(eventually([&] { return runs(metrics[0], "skipped") && runs(metrics[1], "skipped"); }, std::chrono::seconds(40)));
  BOOST_TEST(!runs(metrics[0], "ok"));
  BOOST_TEST(!runs(metrics[1], "ok"));
  // ...and once it ends, they run.
  pqxx::nontransaction(*holder).exec_params("SELECT pg_advisory_unlock($1)", cf::reconcile::kReconcileLock);
  BOOST_TEST(eventually([&] { return runs(metrics[0], "ok") || runs(metrics[1], "ok"); }, std::chrono::seconds(40)));

  BOOST_TEST(first.stop(SIGTERM) == 0);
  BOOST_TEST(second.stop(SIGTERM) == 0);
  // No secret, key or token in either log.
  for (const auto* daemon : {&first, &second}) {
    const std::string log = daemon->err();
    for (const std::string& secret_text : {secret, admin_token, std::string("two-daemons-api-key"), *a.keys.api_key,
                                           *b.keys.api_key, *a.keys.rule_token, db.password()}) {
      BOOST_TEST(log.find(secret_text) == std::string::npos, "a secret reached the log");
    }
  }
}
