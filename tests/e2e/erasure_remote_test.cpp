// Erasure reaching Systeme.io in every case, through the real binary, a real PostgreSQL and the
// fake Systeme.io: a DELETE while the lead's first sync is still writing to the contact; a
// DELETE's erase job of a tenant suspended, or deleted, before it ran; `erase --email` without
// --systeme-contact taking every IB's tags and owner fields off the contact; and
// `erase --systeme-contact` deleting a contact no tenant holds (known from the mirror).
#define BOOST_TEST_MODULE erasure_remote
#include <boost/test/unit_test.hpp>

#include <csignal>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "tests/support/deliveries.h"
#include "tests/support/fake_systeme.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/two_tenants.h"

using namespace cf;
using namespace cf::testing;

namespace {

constexpr const char* kEmail = "pat.person@example.com";

struct Remote : TwoTenants {
  FakeSysteme systeme{"remote-api-key"};
  std::string config;
  std::unique_ptr<Background> daemon;
  std::string base;

  Remote() {
    config = write_relay_config(db.url(), "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\n"
                                          "admin:\n  token: " + admin_token + "\nsysteme:\n  api_base: " +
                                              systeme.api_base() + "\n  api_key: remote-api-key\n  webhook_secrets: [" +
                                              secret + "]\n  requests_per_second: 100\n");
    auto serving = serve(config);
    daemon = std::move(serving.daemon);
    base = serving.base;
  }
  ~Remote() {
    if (daemon) daemon->stop(SIGTERM);
  }
  long long count(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<long long>();
  }
  std::string lead_of(const store::NewTenant& tenant) {
    pqxx::read_transaction tx(*c);
    return tx.exec1("SELECT id::text FROM leads WHERE tenant_id = '" + tenant.tenant.id + "'")[0].as<std::string>();
  }
  // The contact's tags at the fake, sorted, and its owner field ("gone" once the contact is).
  std::vector<std::string> tags_at_systeme(long long contact_id) {
    std::vector<std::string> names;
    for (const auto& contact : systeme.contacts()) {
      if (contact.id != contact_id) continue;
      for (const auto id : contact.tag_ids) names.push_back(systeme.tag_name(id));
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string owner_at_systeme(long long contact_id) {
    for (const auto& contact : systeme.contacts()) {
      if (contact.id == contact_id) return contact.fields.count("ib_owner_id") ? contact.fields.at("ib_owner_id") : "";
    }
    return "gone";
  }
  long long captured_and_synced(const store::NewTenant& tenant, long long synced_before) {
    BOOST_REQUIRE(post_lead_capture(base, *tenant.keys.api_key, kEmail).status == 201);
    BOOST_REQUIRE(eventually([&] { return count("SELECT count(*) FROM leads WHERE synced_at IS NOT NULL") == synced_before + 1; }));
    return count("SELECT max(systeme_contact_id) FROM leads");
  }
  Completed cli(std::vector<std::string> args) {
    args.insert(args.begin(), relay_binary());
    args.push_back("--config");
    args.push_back(config);
    return run(args);
  }
};

}  // namespace

// DELETE lands while the lead's first sync waits on its tag call: the contact exists at
// Systeme.io, the lead does not know it yet. Once the sync is over, nothing of A stays there.
BOOST_FIXTURE_TEST_CASE(a_delete_during_the_first_sync_leaves_nothing_of_the_tenant_at_systeme, Remote) {
  systeme.slow_next("POST /contacts/tags", 3);
  BOOST_REQUIRE(post_lead_capture(base, *a.keys.api_key, kEmail).status == 201);
  BOOST_REQUIRE(eventually([&] { return systeme.calls("POST /contacts/tags") == 1; }));
  BOOST_REQUIRE(systeme.contacts().size() == 1u);
  const long long contact_id = systeme.contacts()[0].id;
  BOOST_TEST(owner_at_systeme(contact_id) == a.tenant.id);
  BOOST_TEST(api_request("DELETE", base + "/v1/leads/" + lead_of(a), *a.keys.api_key).status == 204);
  BOOST_TEST(eventually([&] {
    return count("SELECT count(*) FROM outbox_jobs WHERE kind = 'erase_contact' AND done_at IS NOT NULL") == 1;
  }));
  BOOST_TEST(tags_at_systeme(contact_id).empty());
  BOOST_TEST(owner_at_systeme(contact_id) == "");
}

// The first sync creates the contact (A's owner fields and form data on it), then meets a 429
// (Retry-After 30) and waits; DELETE lands meanwhile. The lead never learnt its contact, but the
// job kept it: the erase job takes A off that contact.
BOOST_FIXTURE_TEST_CASE(a_delete_after_a_sync_failed_midway_takes_the_tenant_off_the_contact, Remote) {
  systeme.slow_next("POST /contacts", 2);
  BOOST_REQUIRE(post_lead_capture(base, *a.keys.api_key, kEmail).status == 201);
  BOOST_REQUIRE(eventually([&] { return systeme.calls("POST /contacts") == 1; }));
  systeme.fail_next(1, 429, 30);
  BOOST_REQUIRE(eventually([&] {
    return count("SELECT count(*) FROM outbox_jobs WHERE attempts = 1 AND leased_until IS NULL AND last_error IS NOT NULL") == 1;
  }));
  BOOST_REQUIRE(systeme.contacts().size() == 1u);
  const long long contact_id = systeme.contacts()[0].id;
  BOOST_TEST(owner_at_systeme(contact_id) == a.tenant.id);
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE systeme_contact_id IS NOT NULL") == 0);
  BOOST_TEST(api_request("DELETE", base + "/v1/leads/" + lead_of(a), *a.keys.api_key).status == 204);
  BOOST_TEST(eventually([&] {
    return count("SELECT count(*) FROM outbox_jobs WHERE kind = 'erase_contact' AND done_at IS NOT NULL") == 1;
  }));
  BOOST_TEST(owner_at_systeme(contact_id) == "");
  BOOST_TEST(tags_at_systeme(contact_id).empty());
}

// A's erase job meets a 429 (Retry-After 3) and A is suspended before it runs again: it still runs.
BOOST_FIXTURE_TEST_CASE(a_suspended_tenants_erase_job_still_runs, Remote) {
  const long long contact_id = captured_and_synced(a, 0);
  systeme.fail_next(1, 429, 3);
  BOOST_TEST(api_request("DELETE", base + "/v1/leads/" + lead_of(a), *a.keys.api_key).status == 204);
  BOOST_REQUIRE(eventually([&] { return count("SELECT count(*) FROM outbox_jobs WHERE attempts = 1") == 1; }));
  const auto suspended = cli({"tenant", "suspend", "--tenant", a.tenant.id});
  BOOST_REQUIRE(suspended.exit_code == 0);
  BOOST_TEST(eventually([&] { return count("SELECT count(*) FROM outbox_jobs WHERE done_at IS NOT NULL AND kind = 'erase_contact'") == 1; }));
  BOOST_TEST(tags_at_systeme(contact_id).empty());
  BOOST_TEST(owner_at_systeme(contact_id) == "");
}

// The same, A deleted instead: the job outlives its tenant and takes the retired prefix's tags off.
BOOST_FIXTURE_TEST_CASE(a_deleted_tenants_erase_job_still_runs, Remote) {
  const long long contact_id = captured_and_synced(a, 0);
  captured_and_synced(b, 1);
  systeme.fail_next(1, 429, 3);
  BOOST_TEST(api_request("DELETE", base + "/v1/leads/" + lead_of(a), *a.keys.api_key).status == 204);
  BOOST_REQUIRE(eventually([&] { return count("SELECT count(*) FROM outbox_jobs WHERE attempts = 1 AND kind = 'erase_contact'") == 1; }));
  const auto deleted = cli({"tenant", "delete", "--tenant", a.tenant.id, "--confirm", "ib-aaa111-"});
  BOOST_REQUIRE(deleted.exit_code == 0);
  BOOST_TEST(eventually([&] {
    return tags_at_systeme(contact_id) == std::vector<std::string>{"ib-bbb222-demo-request", "ib-bbb222-forex-ib"};
  }));
  // The tags go first and the owner fields after them: the job is over once it is done.
  BOOST_TEST(eventually([&] { return count("SELECT count(*) FROM outbox_jobs WHERE kind = 'erase_contact' AND done_at IS NOT NULL") == 1; }));
  BOOST_TEST(owner_at_systeme(contact_id) == "");
}

// Without --systeme-contact the contact stays, but no IB's tags or owner fields on it.
BOOST_FIXTURE_TEST_CASE(erase_email_takes_every_ibs_tags_and_owner_fields_off_the_contact, Remote) {
  const long long contact_id = captured_and_synced(a, 0);
  captured_and_synced(b, 1);
  BOOST_TEST(post_account_webhook(base, secret, "CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-aaa111-webinar"), "m1")
                 .status == 200);
  const auto erased = cli({"erase", "--email", kEmail, "--by", "dpo"});
  BOOST_TEST(erased.exit_code == 0, erased.err);
  BOOST_TEST(erased.out.find("  Systeme.io contact erasures queued: 2\n") != std::string::npos, erased.out);
  BOOST_TEST(erased.out.find("  Systeme.io contact deletions queued: 0\n") != std::string::npos, erased.out);
  BOOST_TEST(eventually([&] {
    return count("SELECT count(*) FROM outbox_jobs WHERE kind = 'erase_contact' AND done_at IS NOT NULL") == 2;
  }));
  BOOST_TEST(owner_at_systeme(contact_id) == "");  // the contact itself stays
  BOOST_TEST(tags_at_systeme(contact_id).empty());
  BOOST_TEST(systeme.calls("DELETE /contacts") == 0);
}

// No tenant ever held the person; the mirror knows their contact: --systeme-contact deletes it.
BOOST_FIXTURE_TEST_CASE(erase_systeme_contact_deletes_a_contact_only_the_mirror_knows, Remote) {
  const long long contact_id = systeme.add_contact(kEmail, {{"first_name", "Pat"}}, {"newsletter"});
  const auto synced = cli({"reconcile", "--sync"});
  BOOST_REQUIRE(synced.exit_code == 0);
  BOOST_REQUIRE(count("SELECT count(*) FROM systeme_contacts") == 1);
  const auto erased = cli({"erase", "--email", kEmail, "--systeme-contact", "--by", "dpo"});
  BOOST_TEST(erased.exit_code == 0, erased.err);
  BOOST_TEST(erased.out.find("  leads: 0\n") != std::string::npos, erased.out);
  BOOST_TEST(erased.out.find("  Systeme.io contact deletions queued: 1\n") != std::string::npos, erased.out);
  BOOST_TEST(eventually([&] { return owner_at_systeme(contact_id) == "gone"; }));
  BOOST_TEST(systeme.calls("DELETE /contacts") == 1);
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE done_at IS NULL") == 0);
}
