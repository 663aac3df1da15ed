// store/erasure.h against a real PostgreSQL, from the tenant role's side: a tenant erases only its
// own leads (another tenant's id is nothing, and changes nothing), the SECURITY DEFINER functions
// of sql/011 refuse a tenant acting for another, marks hold HMACs and never the email, and a
// capture lifts only the capturing tenant's marks.
#define BOOST_TEST_MODULE erasure
#include <boost/test/unit_test.hpp>

#include "common/email.h"
#include "store/erasure.h"
#include "store/leads.h"
#include "store/tenant_removal.h"
#include "store/tenant_scope.h"
#include "store/tenants.h"
#include "tests/support/test_database.h"

using namespace cf;
using namespace cf::store;
using cf::testing::TestDatabase;

namespace {

const Secret kKey("erasure-key-0123456789-abcdefghijklmnop");

struct TwoIbs {
  TestDatabase db;
  std::unique_ptr<pqxx::connection> c;
  Caller a, b;
  TwoIbs() {
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
  long long count(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<long long>();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_tenant_erases_only_its_own_leads, TwoIbs) {
  const std::string of_a = capture(a, "p@example.com");
  capture(b, "p@example.com");
  BOOST_TEST(!LeadStore(*c, kKey).erase(b, of_a));  // A's lead, asked by B: nothing
  BOOST_TEST(!LeadStore(*c, kKey).erase(b, "not-a-uuid"));
  BOOST_TEST(count("SELECT count(*) FROM leads") == 2);
  BOOST_TEST(count("SELECT count(*) FROM erasures") == 0);
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs") == 2);

  BOOST_TEST(LeadStore(*c, kKey).erase(a, of_a));
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE tenant_id = '" + a.tenant_id + "'") == 0);
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE tenant_id = '" + b.tenant_id + "'") == 1);
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE tenant_id = '" + a.tenant_id + "'") == 0);  // no contact yet
  // The mark is the HMAC, never the email.
  BOOST_TEST(count("SELECT count(*) FROM erasure_marks WHERE erased_for = '" + a.tenant_id + "' AND kind = 'email' "
                   "AND encode(mark, 'hex') = '" + email_mark(kKey, "p@example.com") + "'") == 1);
  BOOST_TEST(count("SELECT count(*) FROM erasures WHERE strpos(counts::text || erased_by, 'p@example') > 0") == 0);

  // B's capture of the person lifts nothing of A's; A's capture lifts A's.
  capture(b, "p@example.com");
  BOOST_TEST(count("SELECT count(*) FROM erasure_marks") == 1);
  capture(a, "p@example.com");
  BOOST_TEST(count("SELECT count(*) FROM erasure_marks") == 0);
}

BOOST_FIXTURE_TEST_CASE(the_definer_functions_refuse_a_tenant_acting_for_another, TwoIbs) {
  const std::string of_b = capture(b, "q@example.com");
  const std::string mark = email_mark(kKey, "q@example.com");
  const auto as_a = [&](const std::string& sql) {
    pqxx::work tx(*c);
    bind_to_tenant(tx, a.tenant_id);
    tx.exec(sql);
    tx.commit();
  };
  BOOST_CHECK_THROW(as_a("SELECT clientflow_erase_tenant_lead('" + b.tenant_id + "', '" + of_b +
                         "', 'q@example.com', NULL, decode('" + mark + "', 'hex'), NULL, '{}')"),
                    pqxx::insufficient_privilege);
  BOOST_CHECK_THROW(as_a("SELECT clientflow_lift_erasure_marks('" + b.tenant_id + "', decode('" + mark + "', 'hex'))"),
                    pqxx::insufficient_privilege);
  // Nor may the tenant role write the admin-only tables itself.
  BOOST_CHECK_THROW(as_a("INSERT INTO erasures (scope, erased_by) VALUES ('global', 'x')"), pqxx::insufficient_privilege);
  BOOST_CHECK_THROW(as_a("DELETE FROM erasure_marks"), pqxx::insufficient_privilege);
  BOOST_TEST(count("SELECT count(*) FROM erasures") == 0);
  BOOST_TEST(count("SELECT count(*) FROM leads") == 1);
}

// A capture after a global erasure lifts it for the capturing tenant only: the global marks stay
// (every other tenant is still kept from the person) and the lift names the tenant.
BOOST_FIXTURE_TEST_CASE(a_capture_lifts_a_global_erasure_for_its_tenant_only, TwoIbs) {
  capture(a, "g@example.com");
  erase_person(*c, kKey, "g@example.com", "dpo@clientflow", false);
  BOOST_TEST(count("SELECT count(*) FROM erasure_marks WHERE erased_for IS NULL") == 1);
  capture(a, "g@example.com");
  BOOST_TEST(count("SELECT count(*) FROM erasure_marks WHERE erased_for IS NULL") == 1);
  BOOST_TEST(count("SELECT count(*) FROM erasure_marks WHERE erased_for = '" + a.tenant_id + "'") == 0);
  BOOST_TEST(count("SELECT count(*) FROM erasure_lifts WHERE lifted_for = '" + a.tenant_id + "'") == 1);
  BOOST_TEST(count("SELECT count(*) FROM erasure_lifts") == 1);
  capture(a, "g@example.com");  // again: nothing more
  BOOST_TEST(count("SELECT count(*) FROM erasure_lifts") == 1);
  // The mirror may hold a person some tenant holds again.
  pqxx::read_transaction tx(*c);
  BOOST_TEST(erased_everywhere(tx, kKey, {{5, "g@example.com"}}).empty());
}

// A lift lasts only while its tenant holds the person: once A erases its lead again, or A is
// deleted, the global erasure stands for everyone, the mirror included.
BOOST_FIXTURE_TEST_CASE(a_lift_ends_when_its_tenant_lets_go_of_the_person, TwoIbs) {
  capture(a, "h@example.com");
  capture(b, "i@example.com");
  erase_person(*c, kKey, "h@example.com", "dpo@clientflow", false);
  erase_person(*c, kKey, "i@example.com", "dpo@clientflow", false);
  const std::string again = capture(a, "h@example.com");
  capture(b, "i@example.com");
  BOOST_TEST(count("SELECT count(*) FROM erasure_lifts") == 2);
  const auto erased = [&](const std::string& email) {
    pqxx::read_transaction tx(*c);
    return erased_everywhere(tx, kKey, {{7, email}}).size();
  };
  BOOST_TEST(erased("h@example.com") == 0u);

  BOOST_TEST(LeadStore(*c, kKey).erase(a, again));
  BOOST_TEST(count("SELECT count(*) FROM erasure_lifts WHERE lifted_for = '" + a.tenant_id + "'") == 0);
  BOOST_TEST(erased("h@example.com") == 1u);

  BOOST_TEST(erased("i@example.com") == 0u);
  BOOST_TEST(static_cast<bool>(remove_tenant(*c, b.tenant_id, b.prefix, "admin")));
  BOOST_TEST(count("SELECT count(*) FROM erasure_lifts") == 0);
  BOOST_TEST(erased("i@example.com") == 1u);
}

// The erase queries match emails by the daemon's own normalisation (Email::normalize): the SQL
// function of sql/015 agrees with it on every sample, non-ASCII capitals kept as they are.
BOOST_FIXTURE_TEST_CASE(sql_and_daemon_normalise_emails_alike, TwoIbs) {
  pqxx::read_transaction tx(*c);
  for (const std::string sample : {"  P@Example.COM\t", "\u00c9LODIE@Example.com", "\u00e9lodie@example.com",
                                   "\u212Aelvin@EXAMPLE.com", "\u0130STANBUL@x.tr", "a\u00dfB@x.de", "\r\nZ@z.io \n"}) {
    BOOST_TEST(tx.exec_params1("SELECT clientflow_email_key($1)", sample)[0].as<std::string>() == Email::normalize(sample),
               sample);
  }
}
