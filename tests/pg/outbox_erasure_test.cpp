// The outbox's side of erasure against a real PostgreSQL: a sync that finishes after its lead was
// erased queues the erase_contact job that takes back what it wrote at Systeme.io (unless the
// tenant holds the person again); the erase job a DELETE queues waits out the lease of the
// deleted lead's running sync; a suspended tenant's contact jobs still run (only its syncs wait);
// `tenant delete` keeps its pending contact jobs.
#define BOOST_TEST_MODULE outbox_erasure
#include <boost/test/unit_test.hpp>

#include "store/leads.h"
#include "store/outbox.h"
#include "store/tenant_removal.h"
#include "store/tenants.h"
#include "tests/support/test_database.h"

using namespace cf;
using namespace cf::store;
using cf::testing::TestDatabase;

namespace {

const Secret kKey("erasure-key-0123456789-abcdefghijklmnop");

struct Queue {
  TestDatabase db;
  std::unique_ptr<pqxx::connection> c;
  Caller a, b;
  Queue() {
    db.migrate();
    c = db.connect();
    TenantStore tenants(*c);
    const auto ta = *tenants.add(*TenantDraft::make("John", "john@example.com", "ib-abc123-"));
    const auto tb = *tenants.add(*TenantDraft::make("Sarah", "sarah@example.com", "ib-def456-"));
    a = {ta.tenant.id, ta.tenant.prefix};
    b = {tb.tenant.id, tb.tenant.prefix};
  }
  std::string capture(const Caller& caller, const std::string& email) {
    const auto input = std::get<LeadInput>(parse_lead_input(
        R"({"email": ")" + email + R"(", "name": "Trader", "ib_type": "forex-ib", "monthly_leads": "0-50"})"));
    return LeadStore(*c, kKey).capture(caller, input, DuplicatePolicy::allow).lead->id;
  }
  void exec(const std::string& sql) {
    pqxx::work tx(*c);
    tx.exec(sql);
    tx.commit();
  }
  long long count(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<long long>();
  }
};

}  // namespace

// The lead was erased while its first sync ran (no contact id known to the erasure): the sync's
// end queues the erase_contact job for the contact it wrote to.
BOOST_FIXTURE_TEST_CASE(a_sync_finishing_after_its_lead_was_erased_queues_the_contacts_erasure, Queue) {
  const std::string lead = capture(a, "p@example.com");
  OutboxStore outbox(*c);
  const auto job = outbox.claim("w", 60);
  BOOST_REQUIRE(job);
  BOOST_TEST(LeadStore(*c, kKey).erase(a, lead));
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs") == 0);  // no contact was known: nothing queued
  outbox.complete(*job, "w", 4242, {"ib-abc123-forex-ib"});
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'erase_contact' AND contact_id = 4242 AND tenant_id = '" +
                   a.tenant_id + "' AND done_at IS NULL AND run_after <= now()") == 1);
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs") == 1);
  // A sync whose lead still stands queues nothing.
  capture(b, "q@example.com");
  const auto kept = outbox.claim("w", 60);
  BOOST_REQUIRE(kept);
  BOOST_TEST(kept->tenant_id == b.tenant_id);
  outbox.complete(*kept, "w", 4343, {"ib-def456-forex-ib"});
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'erase_contact'") == 1);
}

// The tenant captured the person again before the old sync ended (new consent): its new lead's own
// sync writes the tags, nothing is taken off.
BOOST_FIXTURE_TEST_CASE(a_sync_ending_after_the_person_was_captured_again_queues_nothing, Queue) {
  const std::string lead = capture(a, "p@example.com");
  OutboxStore outbox(*c);
  const auto job = outbox.claim("w", 60);
  BOOST_REQUIRE(job);
  BOOST_TEST(LeadStore(*c, kKey).erase(a, lead));
  capture(a, "p@example.com");
  outbox.complete(*job, "w", 4242, {"ib-abc123-forex-ib"});
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'erase_contact'") == 0);
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'sync_lead' AND done_at IS NULL") == 1);
}

// The lead had a contact and a sync of it is leased (by this or another daemon): the erase job
// runs only once that lease is over, so it comes after anything the sync writes.
BOOST_FIXTURE_TEST_CASE(the_erase_job_of_a_delete_waits_for_the_running_syncs_lease, Queue) {
  const std::string lead = capture(a, "p@example.com");
  exec("UPDATE leads SET systeme_contact_id = 4242");
  OutboxStore outbox(*c);
  BOOST_REQUIRE(outbox.claim("w", 600));
  BOOST_TEST(LeadStore(*c, kKey).erase(a, lead));
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'erase_contact' AND contact_id = 4242 "
                   "AND run_after > now() + interval '590 seconds'") == 1);
  BOOST_TEST(!outbox.claim("w2", 60));
}

BOOST_FIXTURE_TEST_CASE(a_suspended_tenants_contact_jobs_run_while_its_syncs_wait, Queue) {
  capture(a, "p@example.com");
  exec("INSERT INTO outbox_jobs (tenant_id, lead_id, kind, contact_id) VALUES ('" + a.tenant_id +
       "', gen_random_uuid(), 'erase_contact', 4242)");
  exec("UPDATE tenants SET suspended_at = now() WHERE id = '" + a.tenant_id + "'");
  OutboxStore outbox(*c);
  const auto job = outbox.claim("w", 60);
  BOOST_REQUIRE(job);
  BOOST_TEST((job->kind == JobKind::erase_contact));
  BOOST_TEST(*job->contact_id == 4242);
  BOOST_TEST(job->prefix == "ib-abc123-");
  BOOST_TEST(!outbox.claim("w", 60));  // the sync waits
}

BOOST_FIXTURE_TEST_CASE(tenant_delete_keeps_its_pending_contact_jobs, Queue) {
  capture(a, "p@example.com");
  exec("INSERT INTO outbox_jobs (tenant_id, lead_id, kind, contact_id) VALUES ('" + a.tenant_id +
       "', gen_random_uuid(), 'erase_contact', 4242)");
  BOOST_REQUIRE(remove_tenant(*c, a.tenant_id, "ib-abc123-", "test"));
  BOOST_TEST(count("SELECT count(*) FROM tenants WHERE id = '" + a.tenant_id + "'") == 0);
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'sync_lead'") == 0);
  OutboxStore outbox(*c);
  const auto job = outbox.claim("w", 60);
  BOOST_REQUIRE(job);
  BOOST_TEST((job->kind == JobKind::erase_contact));
  BOOST_TEST(job->tenant_id == a.tenant_id);
  BOOST_TEST(job->prefix == "ib-abc123-");  // the retired prefix whose tags it takes off
  outbox.complete(*job, "w", 0, {});
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE done_at IS NOT NULL AND contact_id IS NULL") == 1);
}
