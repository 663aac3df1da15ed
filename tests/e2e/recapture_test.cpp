// Re-capture and richer leads through the real binary, a real database and the fake Systeme.io: a
// lead a webhook made takes the contact's name, phone and registeredAt (never when another IB owns
// the contact), a capture fills what it lacks and its tags reach Systeme.io once, "update": true
// overwrites, 200 and 201 say whether the lead was new, a re-capture requeues a failed sync, and
// one IB re-capturing another's person changes nothing of the other's lead or owner fields.
#define BOOST_TEST_MODULE recapture
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <nlohmann/json.hpp>

#include "tests/support/deliveries.h"
#include "tests/support/fake_systeme.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/two_tenants.h"

using namespace cf;
using namespace cf::testing;
using nlohmann::json;

namespace {

struct World : TwoTenants {
  FakeSysteme systeme{"recapture-api-key"};
  Serving serving;

  World() {
    serving = serve(write_relay_config(
        db.url(), "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\nsysteme:\n  webhook_secrets: [" +
                      secret + "]\n  api_base: " + systeme.api_base() +
                      "\n  api_key: recapture-api-key\n  requests_per_second: 100\n  timeout_seconds: 5\n"));
  }
  ~World() { serving.daemon->stop(SIGTERM); }

  HttpResponse capture(const std::string& key, json body) {
    return api_request("POST", serving.base + "/v1/leads", key, body.dump());
  }
  json lead(const std::string& key, const std::string& id) {
    return json::parse(api_request("GET", serving.base + "/v1/leads/" + id, key).body);
  }
  json only_lead(const std::string& key) {
    const auto items = json::parse(api_request("GET", serving.base + "/v1/leads", key).body)["items"];
    BOOST_REQUIRE_EQUAL(items.size(), 1u);
    return items[0];
  }
  // A signed CONTACT_TAG_ADDED about `contact` (its fields and registeredAt as Systeme.io sends them).
  void tag_added(long long contact, const std::string& email, const json& fields, const std::string& tag,
                 const std::string& message_id) {
    const json body{{"contact",
                     {{"id", contact}, {"email", email}, {"registeredAt", "2024-01-02T03:04:05+00:00"}, {"locale", "en"},
                      {"fields", fields}, {"tags", json::array({{{"id", 7}, {"name", tag}}})}}},
                    {"tag", {{"id", 7}, {"name", tag}}}};
    BOOST_REQUIRE(post_account_webhook(serving.base, secret, "CONTACT_TAG_ADDED", body.dump(), message_id).status == 200);
  }
  long long count(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<long long>();
  }
  const FakeContact contact(const std::string& email) {
    for (const auto& contact : systeme.contacts()) {
      if (contact.email == email) return contact;
    }
    BOOST_FAIL("no contact " + email);
    return {};
  }
  std::set<std::string> tags_of(const std::string& email) {
    std::set<std::string> names;
    for (long long id : contact(email).tag_ids) names.insert(systeme.tag_name(id));
    return names;
  }
  bool synced(const std::string& key, const std::string& id) { return !lead(key, id)["synced_at"].is_null(); }
  bool no_job_waits() { return count("SELECT count(*) FROM outbox_jobs WHERE done_at IS NULL AND failed_at IS NULL") == 0; }
};

json form(const std::string& email, const std::string& name) {
  return {{"email", email}, {"name", name}, {"ib_type", "forex-ib"}, {"monthly_leads", "0-50"}};
}

json fields(std::initializer_list<std::pair<const char*, std::string>> values) {
  json out = json::array();
  for (const auto& [slug, value] : values) out.push_back({{"slug", slug}, {"fieldName", slug}, {"value", value}});
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_webhook_made_lead_takes_the_contacts_details_and_a_capture_fills_the_rest_once, World) {
  const std::string key = *a.keys.api_key;
  const auto contact_fields = fields({{"first_name", "Wendy"}, {"surname", "Webb"}, {"phone_number", "+44 20 7946 0001"}});
  const long long id = systeme.add_contact("wendy@example.com",
                                           {{"first_name", "Wendy"}, {"surname", "Webb"}, {"phone_number", "+44 20 7946 0001"}},
                                           {"ib-aaa111-webinar"});
  tag_added(id, "Wendy@Example.com", contact_fields, "ib-aaa111-webinar", "w-1");
  const json made = only_lead(key);
  BOOST_TEST(made["name"] == "Wendy Webb");
  BOOST_TEST(made["phone"] == "+44 20 7946 0001");
  BOOST_TEST(made["systeme_registered_at"] == "2024-01-02T03:04:05.000Z");
  BOOST_TEST(made["created_at"].get<std::string>().substr(0, 4) != "2024");  // when the relay first saw it
  BOOST_TEST(made["ib_type"].is_null());
  BOOST_TEST(made["synced_at"].is_null());
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs") == 0);

  json body = form(" wendy@example.com", "W. Webb");
  body["broker_network"] = "XM";
  const auto again = capture(key, body);
  BOOST_TEST(again.status == 200);
  const json filled = json::parse(again.body);
  BOOST_TEST(filled["created"] == false);
  BOOST_TEST(filled["id"] == made["id"]);
  BOOST_TEST(filled["name"] == "Wendy Webb");  // it had one: kept
  BOOST_TEST(filled["ib_type"] == "forex-ib");
  BOOST_TEST(filled["monthly_leads"] == "0-50");
  BOOST_TEST(filled["broker_network"] == "XM");
  BOOST_TEST(filled["systeme_registered_at"] == "2024-01-02T03:04:05.000Z");
  BOOST_REQUIRE(eventually([&] { return synced(key, made["id"]); }));

  // A second capture of a synced lead whose tags are all there queues nothing.
  BOOST_TEST(capture(key, body).status == 200);
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs") == 1);
  BOOST_TEST(systeme.contacts_created() == 0);
  BOOST_TEST(systeme.calls("POST /contacts/tags") == 2);  // demo-request and forex-ib, once each
  BOOST_TEST(systeme.repeated_assignments() == 0);
  BOOST_TEST((tags_of("wendy@example.com") ==
              std::set<std::string>{"ib-aaa111-webinar", "ib-aaa111-demo-request", "ib-aaa111-forex-ib"}));
  const auto fields_now = contact("wendy@example.com").fields;
  BOOST_TEST(fields_now.at("ib_owner_id") == a.tenant.id);  // nobody owned it: the capture's tenant does now
  BOOST_TEST(fields_now.at("full_name") == "Wendy Webb");
  const json after = lead(key, made["id"]);
  BOOST_TEST(after["tags"].size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(update_true_overwrites_the_fields_given_and_reaches_the_contact_its_tenant_owns, World) {
  const std::string key = *a.keys.api_key;
  const auto created = capture(key, form("olga@example.com", "Olga"));
  BOOST_TEST(created.status == 201);
  const json first = json::parse(created.body);
  BOOST_TEST(first["created"] == true);
  BOOST_TEST(first["systeme_registered_at"].is_null());
  BOOST_REQUIRE(eventually([&] { return synced(key, first["id"]); }));

  json kept = form("olga@example.com", "Someone Else");
  kept["phone"] = "+33 1 23 45 67 89";
  const json filled = json::parse(capture(key, kept).body);
  BOOST_TEST(filled["name"] == "Olga");                 // without update: only what it lacked
  BOOST_TEST(filled["phone"] == "+33 1 23 45 67 89");

  json update = form("olga@example.com", "Olga Novak");
  update["ib_type"] = "crypto-ib";
  update["phone"] = "+33 9 87 65 43 21";
  update["update"] = true;
  const auto updated = capture(key, update);
  BOOST_TEST(updated.status == 200);
  const json now = json::parse(updated.body);
  BOOST_TEST(now["created"] == false);
  BOOST_TEST(now["id"] == first["id"]);
  BOOST_TEST(now["name"] == "Olga Novak");
  BOOST_TEST(now["phone"] == "+33 9 87 65 43 21");
  BOOST_TEST(now["ib_type"] == "crypto-ib");
  BOOST_REQUIRE(eventually([&] { return no_job_waits() && tags_of("olga@example.com").count("ib-aaa111-crypto-ib") == 1; }));
  const auto contact_fields = contact("olga@example.com").fields;
  BOOST_TEST(contact_fields.at("full_name") == "Olga Novak");
  BOOST_TEST(contact_fields.at("phone_number") == "+33 9 87 65 43 21");
  BOOST_TEST(contact_fields.at("ib_owner_id") == a.tenant.id);
  BOOST_TEST(systeme.repeated_assignments() == 0);

  json bad = form("olga@example.com", "Olga");
  bad["update"] = "yes";
  const auto refused = capture(key, bad);
  BOOST_TEST(refused.status == 400);
  BOOST_TEST(json::parse(refused.body)["field"] == "update");
}

BOOST_FIXTURE_TEST_CASE(a_contact_another_ib_owns_gives_no_name_or_phone, World) {
  const auto owned_by_b = fields({{"first_name", "Bob"}, {"surname", "Brown"}, {"phone_number", "+1 555 0100 200"},
                                  {"full_name", "Bob Brown"}, {"ib_owner_id", b.tenant.id}});
  tag_added(4242, "bob@example.com", owned_by_b, "ib-aaa111-webinar", "o-1");
  const json made = only_lead(*a.keys.api_key);
  BOOST_TEST(made["name"].is_null());
  BOOST_TEST(made["phone"].is_null());
  BOOST_TEST(made["systeme_registered_at"] == "2024-01-02T03:04:05.000Z");  // Systeme.io's, not an IB's

  const auto own = fields({{"full_name", "Carla Cruz"}, {"phone_number", "+1 555 0100 300"}, {"ib_owner_id", a.tenant.id}});
  tag_added(4343, "carla@example.com", own, "ib-aaa111-webinar", "o-2");
  const auto items = json::parse(api_request("GET", serving.base + "/v1/leads", *a.keys.api_key).body)["items"];
  BOOST_REQUIRE_EQUAL(items.size(), 2u);
  BOOST_TEST(items[0]["email"] == "carla@example.com");
  BOOST_TEST(items[0]["name"] == "Carla Cruz");
  BOOST_TEST(items[0]["phone"] == "+1 555 0100 300");
}

BOOST_FIXTURE_TEST_CASE(a_recapture_requeues_the_leads_failed_sync, World) {
  const std::string key = *a.keys.api_key;
  systeme.fail_next(3, 401);  // three permanent refusals: the job fails for good
  const json first = json::parse(capture(key, form("fay@example.com", "Fay")).body);
  BOOST_REQUIRE(eventually([&] { return count("SELECT count(*) FROM outbox_jobs WHERE failed_at IS NOT NULL") == 1; },
                           std::chrono::seconds(60)));
  BOOST_TEST(!lead(key, first["id"])["sync_error"].is_null());

  const auto again = capture(key, form("fay@example.com", "Fay"));
  BOOST_TEST(again.status == 200);
  BOOST_REQUIRE(eventually([&] { return synced(key, first["id"]); }));
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs") == 1);  // the same job, run again
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE done_at IS NOT NULL AND failed_at IS NULL") == 1);
  BOOST_TEST(lead(key, first["id"])["sync_error"].is_null());
  BOOST_TEST(systeme.contacts_created() == 1);
}

BOOST_FIXTURE_TEST_CASE(an_ib_recapturing_another_ibs_person_changes_nothing_of_it, World) {
  json b_form = form("pat@example.com", "Pat Real");
  b_form["phone"] = "+44 20 7946 0999";
  b_form["broker_network"] = "IC Markets";
  const json b_lead = json::parse(capture(*b.keys.api_key, b_form).body);
  BOOST_REQUIRE(eventually([&] { return synced(*b.keys.api_key, b_lead["id"]); }));
  const json b_before = lead(*b.keys.api_key, b_lead["id"]);
  const auto owner_before = contact("pat@example.com").fields;

  json attack = form("pat@example.com", "Mallory");
  attack["phone"] = "+1 666 666 6666";
  attack["ib_type"] = "crypto-ib";
  attack["broker_network"] = "Evil";
  attack["update"] = true;
  const auto answer = capture(*a.keys.api_key, attack);
  BOOST_TEST(answer.status == 201);  // A's own lead of the person: nothing of B's in it
  const json a_lead = json::parse(answer.body);
  BOOST_TEST(a_lead["created"] == true);
  BOOST_TEST(a_lead["name"] == "Mallory");
  BOOST_TEST(a_lead["id"] != b_lead["id"]);
  BOOST_TEST(answer.body.find("Pat Real") == std::string::npos);
  BOOST_TEST(capture(*a.keys.api_key, attack).status == 200);  // and again, as a re-capture
  BOOST_REQUIRE(eventually([&] { return no_job_waits() && synced(*a.keys.api_key, a_lead["id"]); }));

  BOOST_TEST(lead(*b.keys.api_key, b_lead["id"]) == b_before);
  const auto owner_after = contact("pat@example.com").fields;
  BOOST_TEST((owner_after == owner_before));
  BOOST_TEST(owner_after.at("ib_owner_id") == b.tenant.id);
  BOOST_TEST(owner_after.at("full_name") == "Pat Real");
  BOOST_TEST(owner_after.at("phone_number") == "+44 20 7946 0999");
  BOOST_TEST(systeme.contacts_created() == 1);
}
