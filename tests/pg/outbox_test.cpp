// The relay to Systeme.io: captured leads synced by the real OutboxWorker against the fake
// Systeme.io API, with the tags and fields it received checked there; shared leads keeping the
// first owner's fields; retries on 500, 429 and hangs; permanent failures left visible; two
// workers sharing the queue without a second effect; jobs claimed by tenants in turn; and the
// contact found by email only when its email is the lead's; and answers nested too deeply retried.
#define BOOST_TEST_MODULE outbox
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>
#include <thread>

#include "common/metrics.h"
#include "relay/outbox_worker.h"
#include "store/leads.h"
#include "store/tenants.h"
#include "tests/support/fake_systeme.h"
#include "tests/support/process.h"
#include "tests/support/test_database.h"

using namespace cf;
using namespace cf::store;
using namespace cf::testing;

namespace {

const std::string kKey = "fake-api-key";

// The value of a counter in the process-wide registry (0 when it has no such series).
double counter(const std::string& name, const std::string& label, const std::string& value) {
  for (const auto& family : metrics_registry()->Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& pair : metric.label) {
        if (pair.name == label && pair.value == value) return metric.counter.value;
      }
    }
  }
  return 0;
}

struct Relay {
  TestDatabase db;
  std::unique_ptr<pqxx::connection> c;
  FakeSysteme systeme{kKey};
  Caller a, b;

  Relay() {
    db.migrate();
    c = db.connect();
    TenantStore tenants(*c);
    const auto ta = *tenants.add(*TenantDraft::make("John", "john@example.com", "ib-abc123-"));
    const auto tb = *tenants.add(*TenantDraft::make("Sarah", "sarah@example.com", "ib-def456-"));
    a = {ta.tenant.id, ta.tenant.prefix};
    b = {tb.tenant.id, tb.tenant.prefix};
  }
  SystemeConfig systeme_config(const std::string& key = kKey) {
    SystemeConfig config;
    config.api_base = systeme.api_base();
    config.api_key = Secret(key);
    config.requests_per_second = 200;
    config.timeout_seconds = 1;
    return config;
  }
  std::unique_ptr<relay::OutboxWorker> worker(const std::string& key = kKey) {
    relay::OutboxPolicy policy;
    policy.max_backoff_seconds = 1;
    policy.idle_poll = std::chrono::milliseconds(50);
    auto w = std::make_unique<relay::OutboxWorker>(db.secret_url(), systeme_config(key), policy);
    w->start();
    return w;
  }
  std::string capture(const Caller& caller, const std::string& email, const std::string& volume = "500+") {
    auto input = std::get<LeadInput>(parse_lead_input(
        R"({"email": ")" + email + R"(", "name": "Trader Joe", "phone": "+44 20 7946 0958", "ib_type": "forex-ib", "monthly_leads": ")" +
        volume + R"("})"));
    return LeadStore(*c).capture(caller, input, DuplicatePolicy::allow).lead->id;
  }
  std::string text(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    const auto f = tx.exec1(sql)[0];
    return f.is_null() ? "NULL" : f.as<std::string>();
  }
  int count(const std::string& sql) { return std::stoi(text(sql)); }
  bool settled(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (count("SELECT count(*) FROM outbox_jobs WHERE done_at IS NULL AND failed_at IS NULL") == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  std::vector<std::string> tags_of(const FakeContact& contact) {
    std::vector<std::string> names;
    for (long long id : contact.tag_ids) names.push_back(systeme.tag_name(id));
    std::sort(names.begin(), names.end());
    return names;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(capture_reaches_systeme_with_the_tenants_tags_and_fields, Relay) {
  const auto lead = capture(a, "trader@example.com");
  auto w = worker();
  BOOST_REQUIRE(settled());
  w->stop();
  const auto contacts = systeme.contacts();
  BOOST_REQUIRE(contacts.size() == 1u);
  const auto& contact = contacts[0];
  BOOST_TEST(contact.email == "trader@example.com");
  BOOST_TEST(contact.fields.at("full_name") == "Trader Joe");
  BOOST_TEST(contact.fields.at("phone_number") == "+44 20 7946 0958");
  BOOST_TEST(contact.fields.at("ib_owner_id") == a.tenant_id);
  BOOST_TEST(contact.fields.at("ib_prefix") == "ib-abc123-");
  BOOST_TEST((tags_of(contact) == std::vector<std::string>{"ib-abc123-demo-request", "ib-abc123-forex-ib", "ib-abc123-high-volume"}));
  BOOST_TEST(text("SELECT systeme_contact_id || ' ' || array_to_string(ARRAY(SELECT unnest(tags) ORDER BY 1), ',') || ' ' || "
                  "(synced_at IS NOT NULL) || ' ' || coalesce(sync_error, '-') FROM leads WHERE id = '" + lead + "'") ==
             std::to_string(contact.id) + " ib-abc123-demo-request,ib-abc123-forex-ib,ib-abc123-high-volume true -");
  BOOST_TEST(systeme.calls("POST /contact_fields") == 4);  // full_name, phone_number, ib_owner_id, ib_prefix
}

BOOST_FIXTURE_TEST_CASE(a_shared_lead_keeps_the_first_owners_fields, Relay) {
  capture(a, "shared@example.com", "0-50");
  auto w = worker();
  BOOST_REQUIRE(settled());
  capture(b, "shared@example.com", "0-50");
  BOOST_REQUIRE(settled());
  w->stop();
  const auto contacts = systeme.contacts();
  BOOST_REQUIRE(contacts.size() == 1u);
  BOOST_TEST(contacts[0].fields.at("ib_owner_id") == a.tenant_id);
  BOOST_TEST(contacts[0].fields.at("ib_prefix") == "ib-abc123-");
  BOOST_TEST((tags_of(contacts[0]) == std::vector<std::string>{"ib-abc123-demo-request", "ib-abc123-forex-ib",
                                                               "ib-def456-demo-request", "ib-def456-forex-ib"}));
  BOOST_TEST(count("SELECT count(DISTINCT systeme_contact_id) FROM leads") == 1);
  BOOST_TEST(systeme.contacts_created() == 1);
}

BOOST_FIXTURE_TEST_CASE(server_errors_429s_and_hangs_are_retried_until_done, Relay) {
  systeme.fail_next(3, 500);
  systeme.fail_next(1, 429, 1);
  systeme.hang_next(1, 3);
  const auto lead = capture(a, "retry@example.com");
  auto w = worker();
  BOOST_REQUIRE(settled(std::chrono::seconds(60)));
  w->stop();
  BOOST_TEST(text("SELECT attempts FROM outbox_jobs") == "6");
  BOOST_TEST(text("SELECT (done_at IS NOT NULL) || ' ' || coalesce(last_error, '-') FROM outbox_jobs") == "true -");
  BOOST_TEST(text("SELECT coalesce(sync_error, '-') FROM leads WHERE id = '" + lead + "'") == "-");
  BOOST_TEST(systeme.contacts_created() == 1);
  BOOST_TEST(systeme.repeated_assignments() == 0);
}

BOOST_FIXTURE_TEST_CASE(a_permanent_error_stops_and_stays_visible, Relay) {
  const auto lead = capture(a, "refused@example.com");
  auto w = worker("a-revoked-key");
  BOOST_REQUIRE(settled());
  w->stop();
  BOOST_TEST(text("SELECT attempts || ' ' || (failed_at IS NOT NULL) FROM outbox_jobs") == "3 true");
  BOOST_TEST(text("SELECT sync_error FROM leads WHERE id = '" + lead + "'").find("list contact fields: HTTP 401") == 0u);
  BOOST_TEST(systeme.contacts_created() == 0);
}

BOOST_FIXTURE_TEST_CASE(two_workers_share_the_queue_without_a_second_effect, Relay) {
  for (int i = 0; i < 20; ++i) capture(i % 2 ? a : b, "p" + std::to_string(i) + "@example.com", i % 3 ? "0-50" : "500+");
  auto first = worker();
  auto second = worker();
  BOOST_REQUIRE(settled(std::chrono::seconds(60)));
  first->stop();
  second->stop();
  BOOST_TEST(systeme.contacts_created() == 20);
  BOOST_TEST(systeme.contacts().size() == 20u);
  BOOST_TEST(systeme.repeated_assignments() == 0);
  int assigned = 0;
  for (const auto& contact : systeme.contacts()) assigned += static_cast<int>(contact.tag_ids.size());
  BOOST_TEST(assigned == 20 * 2 + 7);  // demo-request and forex-ib each, high-volume for i % 3 == 0
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE done_at IS NOT NULL AND attempts = 1") == 20);
}

// A tenant with a long queue does not delay another: jobs are claimed by tenants in turn, each
// tenant's oldest first.
BOOST_FIXTURE_TEST_CASE(a_tenant_with_500_queued_jobs_does_not_delay_another, Relay) {
  for (int i = 0; i < 500; ++i) capture(a, "a" + std::to_string(i) + "@example.com", "0-50");
  OutboxStore outbox(*c);
  std::vector<long long> first_of_a;
  for (int i = 0; i < 3; ++i) {
    const auto job = outbox.claim("w", 60);
    BOOST_REQUIRE(job);
    BOOST_TEST(job->tenant_id == a.tenant_id);
    first_of_a.push_back(job->id);
  }
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE id < " + std::to_string(first_of_a[0])) == 0);  // oldest first
  BOOST_TEST(std::is_sorted(first_of_a.begin(), first_of_a.end()));
  capture(b, "b@example.com", "0-50");
  std::vector<std::string> next;
  for (int i = 0; i < 2; ++i) next.push_back(outbox.claim("w", 60)->email);
  BOOST_TEST((next[0] == "b@example.com" || next[1] == "b@example.com"));
}

BOOST_FIXTURE_TEST_CASE(jobs_are_claimed_by_tenants_in_turn, Relay) {
  for (int i = 0; i < 4; ++i) capture(a, "a" + std::to_string(i) + "@example.com", "0-50");
  for (int i = 0; i < 4; ++i) capture(b, "b" + std::to_string(i) + "@example.com", "0-50");
  OutboxStore outbox(*c);
  std::string order;
  while (const auto job = outbox.claim("w", 60)) order += job->email.substr(0, 2) + " ";
  // Whoever goes first, the tenants alternate and each tenant's jobs come oldest first.
  BOOST_TEST((order == "a0 b0 a1 b1 a2 b2 a3 b3 " || order == "b0 a0 b1 a1 b2 a2 b3 a3 "), order);
}

// Claims from several connections at once (several daemons) never hand out one job twice.
BOOST_FIXTURE_TEST_CASE(concurrent_claims_never_share_a_job, Relay) {
  for (int i = 0; i < 60; ++i) capture(i % 3 ? a : b, "p" + std::to_string(i) + "@example.com", "0-50");
  std::vector<std::vector<long long>> claimed(4);
  std::vector<std::thread> claimers;
  for (std::size_t w = 0; w < claimed.size(); ++w) {
    claimers.emplace_back([&, w] {
      auto connection = db.connect();
      OutboxStore outbox(*connection);
      while (const auto job = outbox.claim("w" + std::to_string(w), 60)) claimed[w].push_back(job->id);
    });
  }
  for (auto& claimer : claimers) claimer.join();
  std::set<long long> all;
  std::size_t total = 0;
  for (const auto& ids : claimed) {
    all.insert(ids.begin(), ids.end());
    total += ids.size();
  }
  BOOST_TEST(total == 60u);
  BOOST_TEST(all.size() == 60u);
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE attempts = 1 AND leased_until > now()") == 60);
}

// A search by email that answers a near match first (another person's address holding this one)
// does not make the lead that person: the contact is created, the near match left untouched.
BOOST_FIXTURE_TEST_CASE(a_near_match_by_email_is_not_taken_for_the_contact, Relay) {
  systeme.match_emails_loosely();
  const long long near = systeme.add_contact("xtrader@example.com", {}, {});
  const auto lead = capture(a, "trader@example.com");
  auto w = worker();
  BOOST_REQUIRE(settled());
  w->stop();
  BOOST_TEST(systeme.contacts_created() == 1);
  const auto contacts = systeme.contacts();
  BOOST_REQUIRE(contacts.size() == 2u);
  for (const auto& contact : contacts) {
    if (contact.id == near) {
      BOOST_TEST(contact.fields.empty());
      BOOST_TEST(contact.tag_ids.empty());
    } else {
      BOOST_TEST(contact.email == "trader@example.com");
      BOOST_TEST(contact.fields.at("ib_owner_id") == a.tenant_id);
      BOOST_TEST(tags_of(contact).size() == 3u);
      BOOST_TEST(text("SELECT systeme_contact_id FROM leads WHERE id = '" + lead + "'") == std::to_string(contact.id));
    }
  }
}

// Among near matches, the contact whose email is the lead's once normalised (case, surrounding
// spaces) is the one used, wherever it comes in the answer.
BOOST_FIXTURE_TEST_CASE(the_contact_whose_email_matches_after_normalising_is_used, Relay) {
  systeme.match_emails_loosely();
  const long long near = systeme.add_contact("trader@example.com.evil.test", {}, {});
  const long long same = systeme.add_contact(" Trader@Example.COM", {}, {});
  const auto lead = capture(a, "trader@example.com");
  auto w = worker();
  BOOST_REQUIRE(settled());
  w->stop();
  BOOST_TEST(systeme.contacts_created() == 0);
  for (const auto& contact : systeme.contacts()) {
    BOOST_TEST_CONTEXT(contact.email) {
      BOOST_TEST(contact.tag_ids.size() == (contact.id == same ? 3u : 0u));
      BOOST_TEST(contact.fields.count("ib_owner_id") == (contact.id == near ? 0u : 1u));
    }
  }
  BOOST_TEST(text("SELECT systeme_contact_id FROM leads WHERE id = '" + lead + "'") == std::to_string(same));
}

// An answer nested deeper than http.max_json_depth (64 by default) is never parsed: the sync is
// retried like any transient failure, and counted.
BOOST_FIXTURE_TEST_CASE(a_too_deep_answer_from_systeme_is_retried_and_counted, Relay) {
  const double retries = counter("clientflow_systeme_api_retries_total", "component", "outbox");
  const double deep = counter("clientflow_systeme_api_answers_too_deep_total", "endpoint", "GET /contact_fields");
  systeme.answer_deep_next(1, 100000);
  systeme.pass_next(6);  // the retry lists and makes the fields (5 calls), finds no contact...
  systeme.answer_deep_next(1, 65);  // ...and is answered one level too deep on creating it
  const auto lead = capture(a, "deep@example.com");
  auto w = worker();
  BOOST_REQUIRE(settled());
  w->stop();
  BOOST_TEST(text("SELECT attempts || ' ' || (done_at IS NOT NULL) FROM outbox_jobs") == "3 true");
  BOOST_TEST(counter("clientflow_systeme_api_retries_total", "component", "outbox") - retries == 2);
  BOOST_TEST(counter("clientflow_systeme_api_answers_too_deep_total", "endpoint", "GET /contact_fields") - deep == 1);
  BOOST_TEST(counter("clientflow_systeme_api_answers_too_deep_total", "endpoint", "POST /contacts") == 1);
  BOOST_TEST(systeme.contacts().size() == 1u);
  BOOST_TEST(text("SELECT coalesce(sync_error, '-') FROM leads WHERE id = '" + lead + "'") == "-");
}

// IB A's captures can make tags whose names hold B's (ib_type "ib-def456-demo-request-1", ...),
// so a search for B's tag answers more look-alikes than one page before the real tag. B's job,
// with nothing cached, pages through the search to the real tag and assigns it: it does not try
// to create it (which Systeme.io refuses as already used) and completes at its first attempt.
BOOST_FIXTURE_TEST_CASE(look_alike_tags_before_the_real_one_do_not_stop_its_sync, Relay) {
  for (int i = 1; i <= 150; ++i) systeme.add_tag("ib-def456-demo-request-" + std::to_string(i));
  const long long real = systeme.add_tag("ib-def456-demo-request");
  const auto lead = capture(b, "b-lead@example.com");
  auto w = worker();
  BOOST_REQUIRE(settled());
  w->stop();
  BOOST_TEST(text("SELECT attempts || ' ' || (done_at IS NOT NULL) || ' ' || coalesce(last_error, '-') FROM outbox_jobs") ==
             "1 true -");
  const auto contacts = systeme.contacts();
  BOOST_REQUIRE(contacts.size() == 1u);
  BOOST_TEST(contacts[0].tag_ids.count(real) == 1u);
  BOOST_TEST((tags_of(contacts[0]) == std::vector<std::string>{"ib-def456-demo-request", "ib-def456-forex-ib",
                                                               "ib-def456-high-volume"}));
  BOOST_TEST(systeme.calls("POST /tags") == 2);  // forex-ib and high-volume; demo-request was found
  BOOST_TEST(text("SELECT array_to_string(ARRAY(SELECT unnest(tags) ORDER BY 1), ',') FROM leads WHERE id = '" + lead + "'") ==
             "ib-def456-demo-request,ib-def456-forex-ib,ib-def456-high-volume");
}

// A Systeme.io answer with a field of an unexpected type (here the contact's "id" as a string)
// is a retryable error of that job: counted, kept on the job and the lead until the retry, which
// completes it. It never escapes the worker (which would leave the job leased and unanswered
// until its lease ran out, again and again).
BOOST_FIXTURE_TEST_CASE(a_wrongly_typed_field_from_systeme_is_retried_and_counted, Relay) {
  const double retries = counter("clientflow_systeme_api_retries_total", "component", "outbox");
  systeme.pass_next(5);  // the fields listed and made
  systeme.answer_next(200, R"({"items": [{"id": "12", "email": "typed@example.com"}], "hasMore": false})");
  const auto lead = capture(a, "typed@example.com");
  auto w = worker();
  const std::string expected = "find contact: unexpected answer: the contact's id is not an integer";
  BOOST_TEST(eventually([&] {
    return text("SELECT coalesce(last_error, '-') || ' / ' || (SELECT coalesce(sync_error, '-') FROM leads WHERE id = '" +
                lead + "') FROM outbox_jobs") == expected + " / " + expected;
  }));
  BOOST_REQUIRE(settled());
  w->stop();
  BOOST_TEST(text("SELECT attempts || ' ' || (done_at IS NOT NULL) FROM outbox_jobs") == "2 true");
  BOOST_TEST(text("SELECT coalesce(sync_error, '-') FROM leads WHERE id = '" + lead + "'") == "-");
  BOOST_TEST(counter("clientflow_systeme_api_retries_total", "component", "outbox") - retries == 1);
  BOOST_TEST(counter("clientflow_systeme_api_answers_unexpected_total", "endpoint", "GET /contacts") == 1);
  BOOST_TEST(systeme.contacts().size() == 1u);
}
