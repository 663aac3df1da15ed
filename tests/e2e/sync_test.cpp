// `reconcile --sync` through the real binary against the fake Systeme.io API: every page of
// contacts mirrored, a 429 in the middle honoured, a sync stopped by a failing API resumed from
// its cursor without fetching the written pages again, and the full run that follows finding
// what the synced contacts carry.
#define BOOST_TEST_MODULE sync
#include <boost/test/unit_test.hpp>

#include "store/tenants.h"
#include "tests/support/fake_systeme.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/test_database.h"

using namespace cf;
using namespace cf::testing;

namespace {

struct World {
  TestDatabase db;
  std::unique_ptr<pqxx::connection> c;
  FakeSysteme systeme{"sync-api-key"};
  std::string config;
  std::string prefix;

  World() {
    db.migrate();
    c = db.connect();
    prefix = store::TenantStore(*c).add(*store::TenantDraft::make("John", "john@example.com", "ib-aaa111-"))->tenant.prefix;
    config = write_relay_config(db.url(), "systeme:\n  api_base: " + systeme.api_base() +
                                              "\n  api_key: sync-api-key\n  requests_per_second: 100\n  timeout_seconds: 5\n");
  }
  // `count` contacts: every fifth carries a prefix no tenant owns, the others the tenant's tag.
  void add_contacts(int count, int from) {
    for (int n = from; n < from + count; ++n) {
      const std::string tag = n % 5 == 0 ? "ib-qqq999-import" : prefix + "lead";
      systeme.add_contact("c" + std::to_string(n) + "@example.com", {{"first_name", "C"}}, {tag, "newsletter"});
    }
  }
  long long count(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<long long>();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(sync_pages_through_a_429_then_reconciles, World) {
  add_contacts(250, 0);
  systeme.pass_next(1);
  systeme.fail_next(1, 429, 1);  // the second page is refused once
  const auto synced = run({relay_binary(), "reconcile", "--sync", "--config", config});
  BOOST_TEST(synced.exit_code == 0, synced.err);
  BOOST_TEST(synced.out.find("synced 250 contacts in 3 pages (1 retried answers)") != std::string::npos, synced.out);
  BOOST_TEST(synced.out.find("full run: checked 250 contacts") != std::string::npos, synced.out);
  BOOST_TEST(systeme.calls("GET /contacts") == 4);
  BOOST_TEST(count("SELECT count(*) FROM systeme_contacts") == 250);
  BOOST_TEST(count("SELECT count(*) FROM systeme_contacts WHERE tags ? 'newsletter' AND fields->>'first_name' = 'C'") == 250);
  BOOST_TEST(count("SELECT (evidence->>'contacts')::int FROM findings WHERE kind = 'unknown_prefix' "
                   "AND subject = 'ib-qqq999-'") == 50);
  BOOST_TEST(count("SELECT count(*) FROM reconcile_state WHERE sync_cursor IS NULL AND last_sync_at IS NOT NULL") == 1);
}

BOOST_FIXTURE_TEST_CASE(a_stopped_sync_resumes_from_its_cursor, World) {
  add_contacts(400, 0);
  systeme.pass_next(2);
  systeme.fail_next(6, 503, 1);  // after two pages the API fails for longer than the retries last
  const auto stopped = run({relay_binary(), "reconcile", "--sync", "--config", config});
  BOOST_TEST(stopped.exit_code == 1);
  BOOST_TEST(stopped.err.find("listing contacts failed: HTTP 503") != std::string::npos, stopped.err);
  BOOST_TEST(count("SELECT count(*) FROM systeme_contacts") == 200);  // the two pages written stay
  BOOST_TEST(count("SELECT count(*) FROM findings") == 0);             // no reconcile on a partial mirror

  const int fetched_before = systeme.calls("GET /contacts");
  BOOST_TEST(fetched_before == 8);  // 2 pages + 6 failed tries of the third
  const auto resumed = run({relay_binary(), "reconcile", "--sync", "--config", config});
  BOOST_TEST(resumed.exit_code == 0, resumed.err);
  BOOST_TEST(resumed.out.find("resumed: synced 200 contacts in 4 pages") != std::string::npos, resumed.out);
  BOOST_TEST(systeme.calls("GET /contacts") - fetched_before == 2);  // pages 3 and 4 only
  BOOST_TEST(count("SELECT count(*) FROM systeme_contacts") == 400);
  BOOST_TEST(count("SELECT (evidence->>'contacts')::int FROM findings WHERE kind = 'unknown_prefix'") == 80);
}

BOOST_FIXTURE_TEST_CASE(sync_needs_an_api_key, World) {
  const auto no_key = write_relay_config(db.url());
  const auto refused = run({relay_binary(), "reconcile", "--sync", "--config", no_key});
  BOOST_TEST(refused.exit_code == 2);
  BOOST_TEST(refused.err.find("set systeme.api_key") != std::string::npos, refused.err);
}

BOOST_FIXTURE_TEST_CASE(sync_overwrites_any_mirror_row_and_forgets_contacts_systeme_no_longer_has, World) {
  // The API sync is Systeme.io's own data: a mirror row a forged far-future snapshot once made
  // permanent is overwritten, and a contact Systeme.io no longer has leaves the mirror, so the
  // findings made from it resolve.
  add_contacts(20, 0);
  const long long real = systeme.contacts().front().id;
  {
    pqxx::work tx(*c);
    tx.exec_params("INSERT INTO systeme_contacts (contact_id, email, tags, snapshot_at, updated_at) VALUES "
                   "($1, 'c0@example.com', '[\"forged\"]', '9999-12-31', now() - interval '1 hour'), "
                   "(424242, 'gone@example.com', '[\"ib-ggg777-x\"]', now() - interval '1 day', now() - interval '1 day')",
                   real);
    tx.commit();
  }
  BOOST_REQUIRE(run({relay_binary(), "reconcile", "--full", "--config", config}).exit_code == 0);
  BOOST_TEST(count("SELECT count(*) FROM findings WHERE kind = 'unknown_prefix' AND subject = 'ib-ggg777-' AND status = 'open'") == 1);

  const auto synced = run({relay_binary(), "reconcile", "--sync", "--config", config});
  BOOST_TEST(synced.exit_code == 0, synced.err);
  BOOST_TEST(synced.out.find("synced 20 contacts in 1 pages (0 retried answers), removed 1 no longer in Systeme.io") !=
                 std::string::npos,
             synced.out);
  BOOST_TEST(count("SELECT count(*) FROM systeme_contacts") == 20);
  BOOST_TEST(count("SELECT count(*) FROM systeme_contacts WHERE contact_id = " + std::to_string(real) +
                   " AND tags ? 'newsletter' AND NOT tags ? 'forged' AND snapshot_at < now() + interval '1 minute'") == 1);
  BOOST_TEST(count("SELECT count(*) FROM findings WHERE kind = 'unknown_prefix' AND subject = 'ib-ggg777-' AND status = 'resolved'") == 1);
}
