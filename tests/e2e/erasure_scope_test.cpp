// What `erase --email E` may touch, through the real binary: only what is known to be E's. An
// unsigned rule webhook can claim any contact id next to any email, so a contact id it names is
// never taken as E's (else whoever holds one IB's rule URL could point an admin's erasure at
// another IB's lead and contact); and an address that merely contains E (jimbob@ for bob@) is
// another person, whose deliveries keep their body, email and contact id.
#define BOOST_TEST_MODULE erasure_scope
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/two_tenants.h"

using namespace cf::testing;
using nlohmann::json;

namespace {

struct Served : TwoTenants {
  std::string config = write_admin_config(db.url(), admin_token, secret);
  Serving relay = serve(config);

  long long count(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<long long>();
  }
  std::string status_of(const HttpResponse& answer) {
    BOOST_TEST_REQUIRE(answer.status == 200, answer.body);
    return json::parse(answer.body).value("status", "?");
  }
  Completed erase(const std::string& email) {
    return run({relay_binary(), "erase", "--email", email, "--by", "test", "--config", config});
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_rule_webhook_cannot_point_an_erasure_at_another_ibs_contact, Served) {
  // B's lead for the victim, Systeme.io's contact 777.
  const std::string b_tag = b.tenant.prefix + "demo-request";
  BOOST_TEST(status_of(post_account_webhook(relay.base, secret, "CONTACT_TAG_ADDED",
                                            tag_body(777, "victim@example.com", b_tag), "msg-b")) == "routed");
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE systeme_contact_id = 777") == 1);

  // Whoever holds A's rule URL ties an address of their own to contact 777.
  const auto rule = http_request("POST", relay.base + "/webhooks/systeme/rules/" + *a.keys.rule_token + "/email-opened",
                                 rule_body(777, "attacker@evil.example"), {{"Content-Type", "application/json"}});
  BOOST_TEST(rule.status == 200);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE source = 'rule' AND contact_id = 777") == 1);

  // The admin honours an erasure request for that address.
  const auto erased = erase("attacker@evil.example");
  BOOST_TEST_REQUIRE(erased.exit_code == 0, erased.err);
  BOOST_TEST(erased.out.find("  leads: 0\n") != std::string::npos, erased.out);

  // B's lead, its timeline and its contact are untouched; nothing marks or queues contact 777.
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE email = 'victim@example.com' AND systeme_contact_id = 777") == 1);
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE kind IN ('erase_contact', 'delete_contact')") == 0);
  BOOST_TEST(count("SELECT count(*) FROM erasure_marks WHERE kind = 'contact'") == 0);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE contact_id = 777 AND body IS NOT NULL AND source = 'account'") == 1);
  // And Systeme.io's next event about contact 777 still reaches B's lead.
  BOOST_TEST(status_of(post_account_webhook(relay.base, secret, "CONTACT_TAG_ADDED",
                                            tag_body(777, "victim@example.com", b.tenant.prefix + "high-volume", {b_tag}),
                                            "msg-b-2")) == "routed");
}

BOOST_FIXTURE_TEST_CASE(erase_takes_the_address_not_the_addresses_that_contain_it, Served) {
  for (const auto& [id, email] : std::vector<std::pair<long long, std::string>>{
           {555, "jimbob@example.com"}, {556, "bob@example.com"}, {557, "bob@example.com.au"}, {558, "x.bob@example.community"}}) {
    BOOST_TEST(status_of(post_account_webhook(relay.base, secret, "CONTACT_CREATED", contact_body(id, email, {}),
                                              "msg-" + std::to_string(id))) == "no_prefix");
  }
  const auto erased = erase("Bob@Example.com");
  BOOST_TEST_REQUIRE(erased.exit_code == 0, erased.err);
  BOOST_TEST(erased.out.find("  stored deliveries scrubbed: 1\n") != std::string::npos, erased.out);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE contact_id = 556 OR email = 'bob@example.com'") == 0);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE contact_id IN (555, 557, 558) AND body IS NOT NULL "
                   "AND email IN ('jimbob@example.com', 'bob@example.com.au', 'x.bob@example.community')") == 3);
}
