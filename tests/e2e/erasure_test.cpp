// Erasure through the real binary, a real PostgreSQL and the fake Systeme.io: a tenant's DELETE
// of its lead (gone from its rows, kept where the other tenant rightly holds the person, the
// tenant's tags and owner fields taken off the contact, a later webhook not giving it back, a new
// capture lifting the mark), another tenant's id answered as a missing one, and `erase --email`
// after which a scan of every text, JSON and bytea column of every table (read from
// information_schema, so later tables are covered) finds the email in no case variant.
#define BOOST_TEST_MODULE erasure
#include <boost/test/unit_test.hpp>

#include <csignal>

#include <algorithm>
#include <functional>

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
using namespace std::string_literals;

namespace {

constexpr const char* kEmail = "pat.person@example.com";

struct World : TwoTenants {
  FakeSysteme systeme{"erasure-api-key"};
  std::string config;
  std::unique_ptr<Background> daemon;
  std::string base;

  World() {
    config = write_relay_config(db.url(), "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\n"
                                          "admin:\n  token: " + admin_token + "\nsysteme:\n  api_base: " +
                                              systeme.api_base() + "\n  api_key: erasure-api-key\n  webhook_secrets: [" +
                                              secret + "]\n  requests_per_second: 100\n");
    auto serving = serve(config);
    daemon = std::move(serving.daemon);
    base = serving.base;
  }
  ~World() {
    if (daemon) daemon->stop(SIGTERM);
  }
  HttpResponse call(const std::string& method, const std::string& path, const std::string& key) {
    return api_request(method, base + path, key);
  }
  long long count(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<long long>();
  }
  std::string text(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<std::string>();
  }
  // A and B capture the person (A first, so A owns the contact's owner fields) and both syncs are
  // done; returns the contact id.
  long long both_capture(const std::string& email_as_typed) {
    BOOST_REQUIRE(post_lead_capture(base, *a.keys.api_key, email_as_typed).status == 201);
    BOOST_REQUIRE(eventually([&] { return count("SELECT count(*) FROM leads WHERE synced_at IS NOT NULL") == 1; }));
    BOOST_REQUIRE(post_lead_capture(base, *b.keys.api_key, kEmail).status == 201);
    BOOST_REQUIRE(eventually([&] { return count("SELECT count(*) FROM leads WHERE synced_at IS NOT NULL") == 2; }));
    return count("SELECT max(systeme_contact_id) FROM leads");
  }
  std::string webhook(const std::string& event, const std::string& body, const std::string& message_id) {
    const auto sent = post_account_webhook(base, secret, event, body, message_id);
    BOOST_REQUIRE(sent.status == 200);
    return json::parse(sent.body)["status"].get<std::string>();
  }
  std::string lead_id(const store::NewTenant& tenant) {
    return text("SELECT id::text FROM leads WHERE tenant_id = '" + tenant.tenant.id + "'");
  }
  const FakeContact* contact(long long id) {
    static FakeContact found;
    for (const auto& c : systeme.contacts()) {
      if (c.id == id) return &(found = c);
    }
    return nullptr;
  }
  std::vector<std::string> tag_names(long long contact_id) {
    std::vector<std::string> names;
    if (const FakeContact* c = contact(contact_id)) {
      for (const auto id : c->tag_ids) names.push_back(systeme.tag_name(id));
    }
    std::sort(names.begin(), names.end());
    return names;
  }
};

// Every text, varchar, array, json, jsonb and bytea column of every table of the schema, as
// information_schema lists them now: "table.column" for each row whose value holds `needle` in
// any case (bytea read as its bytes), `where` narrowing the rows ("" for all).
// JSON (a json or jsonb column, or a bytea body that parses as JSON) is searched by its decoded
// text too, so an email written with \u escapes is seen.
std::vector<std::string> places_holding(pqxx::connection& c, const std::string& needle,
                                        const std::function<std::string(const std::string&)>& where = {}) {
  {
    pqxx::nontransaction setup(c);
    setup.exec(
        "CREATE OR REPLACE FUNCTION pg_temp.decoded(value bytea) RETURNS text LANGUAGE plpgsql AS $$ "
        "BEGIN RETURN convert_from(value, 'UTF8')::jsonb::text; "
        "EXCEPTION WHEN others THEN BEGIN RETURN convert_from(value, 'UTF8'); "
        "EXCEPTION WHEN others THEN RETURN NULL; END; END $$");
  }
  pqxx::read_transaction tx(c);
  std::vector<std::string> found;
  const auto columns = tx.exec(
      "SELECT table_name, column_name, data_type FROM information_schema.columns c "
      "JOIN information_schema.tables t USING (table_schema, table_name) "
      "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
      "AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY') "
      "ORDER BY 1, 2");
  BOOST_REQUIRE(columns.size() > 20u);
  for (const auto& column : columns) {
    const std::string table = tx.quote_name(column[0].as<std::string>());
    const std::string name = tx.quote_name(column[1].as<std::string>());
    const std::string type = column[2].as<std::string>();
    const std::string value = type == "bytea" ? "encode(" + name + ", 'escape')" : name + "::text";
    const std::string decoded = type == "bytea"                       ? "pg_temp.decoded(" + name + ")"
                                : type == "json" || type == "jsonb" ? name + "::jsonb::text"
                                                                    : value;
    std::string sql = "SELECT count(*) FROM " + table + " WHERE (strpos(lower(" + value + "), " + tx.quote(needle) +
                      ") > 0 OR strpos(lower(" + decoded + "), " + tx.quote(needle) + ") > 0)";
    if (where) {
      const std::string narrowed = where(column[0].as<std::string>());
      if (narrowed == "skip") continue;
      if (!narrowed.empty()) sql += " AND (" + narrowed + ")";
    }
    const auto n = tx.exec1(sql)[0].as<long long>();
    if (n > 0) found.push_back(column[0].as<std::string>() + "." + column[1].as<std::string>() + " x" + std::to_string(n));
  }
  return found;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += item + "; ";
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_tenant_erases_its_lead_and_only_its_lead, World) {
  const long long contact_id = both_capture("Pat.Person@Example.com");
  const std::string a_lead = lead_id(a), b_lead = lead_id(b);
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-aaa111-webinar"), "m-a1") == "routed");
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-bbb222-webinar"), "m-b1") == "routed");
  BOOST_TEST(tag_names(contact_id) == (std::vector<std::string>{"ib-aaa111-demo-request", "ib-aaa111-forex-ib",
                                                                 "ib-bbb222-demo-request", "ib-bbb222-forex-ib"}));

  // B cannot erase A's lead: the same 404 as a lead that does not exist, and nothing changes.
  const auto missing = call("DELETE", "/v1/leads/00000000-0000-4000-8000-000000000000", *b.keys.api_key);
  const auto foreign = call("DELETE", "/v1/leads/" + a_lead, *b.keys.api_key);
  BOOST_TEST(foreign.status == 404);
  BOOST_TEST(foreign.body == missing.body);
  BOOST_TEST(call("DELETE", "/v1/leads/not-a-uuid", *b.keys.api_key).status == 404);
  BOOST_TEST(count("SELECT count(*) FROM leads") == 2);
  BOOST_TEST(count("SELECT count(*) FROM lead_events") == 2);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE body IS NOT NULL AND email IS NOT NULL") == 2);
  BOOST_TEST(count("SELECT count(*) FROM erasures") == 0);

  const auto erased = call("DELETE", "/v1/leads/" + a_lead, *a.keys.api_key);
  BOOST_TEST(erased.status == 204);
  BOOST_TEST(erased.body.empty());
  BOOST_TEST(call("DELETE", "/v1/leads/" + a_lead, *a.keys.api_key).status == 404);
  BOOST_TEST(call("GET", "/v1/leads/" + a_lead, *a.keys.api_key).status == 404);

  // Gone from A's rows and from the deliveries routed to A; still where B rightly holds the person.
  const std::string tenant_a = a.tenant.id;
  const auto in_a = places_holding(*c, kEmail, [&](const std::string& table) -> std::string {
    if (table == "webhook_events") return "routed_tenant_id = '" + tenant_a + "' OR rule_tenant_id = '" + tenant_a + "'";
    if (table == "leads" || table == "lead_events" || table == "outbox_jobs" || table == "outbox_turns") {
      return "tenant_id = '" + tenant_a + "'";
    }
    return "skip";
  });
  BOOST_TEST(in_a.empty(), joined(in_a));
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE routed_tenant_id = '" + tenant_a +
                   "' AND lead_id = '" + a_lead + "' AND status = 'routed' AND body IS NULL AND email IS NULL") == 1);
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE email = '" + std::string(kEmail) + "' AND id = '" + b_lead + "'") == 1);
  BOOST_TEST(count("SELECT count(*) FROM lead_events WHERE lead_id = '" + b_lead + "'") == 1);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE routed_tenant_id = '" + b.tenant.id +
                   "' AND strpos(encode(body, 'escape'), '" + kEmail + "') > 0") == 1);
  BOOST_TEST(count("SELECT count(*) FROM erasure_marks WHERE erased_for = '" + tenant_a + "'") == 2);
  BOOST_TEST(count("SELECT count(*) FROM erasures WHERE scope = 'tenant' AND (counts->>'leads')::int = 1 "
                   "AND (counts->>'deliveries_scrubbed')::int = 1") == 1);

  // The outbox takes A's tags off the contact and empties the owner and form fields A wrote.
  BOOST_TEST(eventually([&] { return tag_names(contact_id).size() == 2u; }));
  BOOST_TEST(tag_names(contact_id) == (std::vector<std::string>{"ib-bbb222-demo-request", "ib-bbb222-forex-ib"}));
  BOOST_TEST(eventually([&] { return count("SELECT count(*) FROM outbox_jobs WHERE kind = 'erase_contact' "
                                           "AND done_at IS NOT NULL AND contact_id IS NULL") == 1; }));
  BOOST_TEST(contact(contact_id)->fields.at("ib_owner_id") == "");
  BOOST_TEST(contact(contact_id)->fields.at("ib_prefix") == "");
  BOOST_TEST(contact(contact_id)->fields.at("full_name") == "");
  BOOST_TEST(systeme.calls("DELETE /contacts/tags") == 2);

  // A webhook naming A's prefix does not bring the lead back; B's lead still routes.
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-aaa111-webinar"), "m-a2") == "erased");
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-bbb222-call"), "m-b2") == "routed");
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE tenant_id = '" + tenant_a + "'") == 0);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE status = 'erased' AND body IS NULL AND email IS NULL "
                   "AND contact_id IS NULL") == 1);
  BOOST_TEST(json::parse(call("GET", "/v1/leads", *a.keys.api_key).body)["items"].size() == 0u);

  // A captures the person again (new consent): the mark is lifted and webhooks route to A again.
  BOOST_TEST(post_lead_capture(base, *a.keys.api_key, kEmail).status == 201);
  BOOST_TEST(count("SELECT count(*) FROM erasure_marks") == 0);
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-aaa111-webinar"), "m-a3") == "routed");
}

BOOST_FIXTURE_TEST_CASE(erase_email_leaves_it_nowhere_and_nothing_brings_it_back, World) {
  const long long contact_id = both_capture("PAT.Person@example.COM");
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-aaa111-webinar"), "m-a1") == "routed");
  // Both tenants' tags on one contact: ambiguous, kept with its body for admins.
  BOOST_TEST(webhook("CONTACT_OPT_IN", contact_body(contact_id, kEmail, {"ib-aaa111-x", "ib-bbb222-y"}), "m-c1") == "ambiguous");
  // Another person, who must stay.
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(777, "other@example.com", "ib-aaa111-webinar"), "m-o1") == "routed");
  const auto reconciled = run({relay_binary(), "reconcile", "--full", "--config", config});
  BOOST_REQUIRE(reconciled.exit_code == 0);
  BOOST_REQUIRE(count("SELECT count(*) FROM findings WHERE kind = 'shared_contact'") == 1);
  BOOST_REQUIRE(!places_holding(*c, kEmail).empty());

  const auto erased = run({relay_binary(), "erase", "--email", "Pat.Person@EXAMPLE.com", "--systeme-contact", "--by",
                           "dpo@clientflow", "--config", config});
  BOOST_TEST(erased.exit_code == 0, erased.err);
  BOOST_TEST(erased.out.find("pat.person") == std::string::npos, erased.out);
  BOOST_TEST(erased.out.find("  leads: 2\n") != std::string::npos, erased.out);
  BOOST_TEST(erased.out.find("  tenants that held the person: 2\n") != std::string::npos, erased.out);
  BOOST_TEST(erased.out.find("  timeline entries: 1\n") != std::string::npos, erased.out);
  BOOST_TEST(erased.out.find("  mirrored contacts: 1\n") != std::string::npos, erased.out);
  BOOST_TEST(erased.out.find("  stored deliveries scrubbed: 2\n") != std::string::npos, erased.out);
  BOOST_TEST(erased.out.find("  findings: 1\n") != std::string::npos, erased.out);
  BOOST_TEST(erased.out.find("  Systeme.io contact deletions queued: 1\n") != std::string::npos, erased.out);

  const auto left = places_holding(*c, kEmail);
  BOOST_TEST(left.empty(), joined(left));
  BOOST_TEST(places_holding(*c, "pat.person").empty());
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE email = 'other@example.com'") == 1);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE email = 'other@example.com'") == 1);

  // The outbox deletes the contact at Systeme.io.
  BOOST_TEST(eventually([&] { return contact(contact_id) == nullptr; }));
  BOOST_TEST(systeme.calls("DELETE /contacts") == 1);

  // The audit entry: who, when, counts; never the email.
  const auto audit = api_request("GET", base + "/admin/erasures", admin_token);
  BOOST_TEST(audit.status == 200);
  BOOST_TEST(audit.body.find("pat.person") == std::string::npos);
  const auto items = json::parse(audit.body)["items"];
  BOOST_REQUIRE(items.size() == 1u);
  BOOST_TEST(items[0]["scope"] == "global");
  BOOST_TEST(items[0]["erased_by"] == "dpo@clientflow");
  BOOST_TEST(items[0]["counts"]["leads"] == 2);
  BOOST_TEST(api_request("GET", base + "/admin/erasures", "wrong-token").status == 401);

  // A later webhook about the person is kept as erased: no body, no email, no lead, no mirror row.
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, "Pat.Person@example.com", "ib-aaa111-webinar"), "m-a2") ==
             "erased");
  BOOST_TEST(webhook("CONTACT_CREATED", contact_body(contact_id, kEmail, {"ib-bbb222-demo-request"}), "m-b2") == "erased");
  BOOST_TEST(count("SELECT count(*) FROM leads") == 1);
  BOOST_TEST(count("SELECT count(*) FROM systeme_contacts WHERE contact_id = " + std::to_string(contact_id)) == 0);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE status = 'erased' AND body IS NULL") == 2);
  // Nor does a sync of the mirror from the Systeme.io API (someone imported the person again there).
  systeme.add_contact("Pat.Person@example.com", {{"first_name", "Pat"}}, {"newsletter"});
  const auto synced = run({relay_binary(), "reconcile", "--sync", "--config", config});
  BOOST_TEST(synced.exit_code == 0, synced.err);
  BOOST_TEST(synced.out.find("synced 0 contacts in 1 pages") != std::string::npos, synced.out);
  BOOST_TEST(count("SELECT count(*) FROM systeme_contacts") == 0);  // (a complete sync drops the other, never there)
  const auto still_left = places_holding(*c, kEmail);
  BOOST_TEST(still_left.empty(), joined(still_left));

  // B captures the person again (new consent): B may hold them; the global erasure is lifted for
  // B alone and A's marks stay.
  BOOST_TEST(post_lead_capture(base, *b.keys.api_key, kEmail).status == 201);
  BOOST_TEST(count("SELECT count(*) FROM erasure_marks WHERE erased_for IS NULL") == 2);
  BOOST_TEST(count("SELECT count(*) FROM erasure_lifts WHERE lifted_for = '" + b.tenant.id + "'") == 1);
  BOOST_TEST(count("SELECT count(*) FROM erasure_marks WHERE erased_for = '" + a.tenant.id + "'") == 2);
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-aaa111-webinar"), "m-a3") == "erased");
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-bbb222-webinar"), "m-b3") == "routed");
}

// After `erase --email`, A's new capture makes the person routable for A only: B, which never
// consented again, gets no lead from a webhook, and a delivery no tenant takes is kept as erased.
BOOST_FIXTURE_TEST_CASE(a_capture_after_erase_email_lifts_the_erasure_for_its_tenant_only, World) {
  BOOST_REQUIRE(post_lead_capture(base, *a.keys.api_key, kEmail).status == 201);
  BOOST_REQUIRE(eventually([&] { return count("SELECT count(*) FROM leads WHERE synced_at IS NOT NULL") == 1; }));
  const long long contact_id = count("SELECT max(systeme_contact_id) FROM leads");
  const auto erased = run({relay_binary(), "erase", "--email", kEmail, "--by", "dpo@clientflow", "--config", config});
  BOOST_REQUIRE(erased.exit_code == 0);
  BOOST_REQUIRE(count("SELECT count(*) FROM leads") == 0);

  BOOST_TEST(post_lead_capture(base, *a.keys.api_key, kEmail).status == 201);
  BOOST_TEST(count("SELECT count(*) FROM erasure_marks WHERE erased_for IS NULL") == 2);
  BOOST_TEST(webhook("CONTACT_CREATED", contact_body(contact_id, kEmail, {"ib-bbb222-demo-request"}), "m-b1") == "erased");
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-bbb222-webinar"), "m-b2") == "erased");
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "newsletter"), "m-n1") == "erased");
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-aaa111-webinar"), "m-a1") == "routed");
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE tenant_id = '" + b.tenant.id + "'") == 0);
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE tenant_id = '" + a.tenant.id + "'") == 1);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE status = 'erased' AND body IS NULL AND email IS NULL "
                   "AND contact_id IS NULL") == 3);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE status = 'routed' AND routed_tenant_id = '" +
                   a.tenant.id + "' AND body IS NOT NULL") == 1);

  // Once A lets go of the person again (its own DELETE), nobody holds them: B's tag still does
  // not give B a lead, as the global erasure still stands for B.
  BOOST_TEST(call("DELETE", "/v1/leads/" + lead_id(a), *a.keys.api_key).status == 204);
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-bbb222-call"), "m-b3") == "erased");
  BOOST_TEST(count("SELECT count(*) FROM leads") == 0);

  // B's own new capture lifts the erasure for B too.
  BOOST_TEST(post_lead_capture(base, *b.keys.api_key, kEmail).status == 201);
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, kEmail, "ib-bbb222-webinar"), "m-b4") == "routed");
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE tenant_id = '" + b.tenant.id + "'") == 1);
}

// One normalisation on both sides (common/email.h, sql/015): an email in upper non-ASCII case, or
// written with JSON \u escapes in a stored body, is the person erase --email names.
BOOST_FIXTURE_TEST_CASE(erase_email_finds_the_person_in_any_ascii_case_and_any_json_escape, World) {
  BOOST_REQUIRE(post_lead_capture(base, *a.keys.api_key, "\u00c9LODIE.Dupont@Example.com"s).status == 201);
  BOOST_REQUIRE(eventually([&] { return count("SELECT count(*) FROM leads WHERE synced_at IS NOT NULL") == 1; }));
  const long long contact_id = count("SELECT max(systeme_contact_id) FROM leads");
  const std::string shouted = "\u00c9LODIE.DUPONT@EXAMPLE.COM";
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", tag_body(contact_id, shouted, "ib-aaa111-webinar"), "m-e1") == "routed");
  // The same person, escaped in the body of a delivery about her contact...
  std::string escaped = tag_body(contact_id, shouted, "ib-aaa111-call");
  escaped.replace(escaped.find(shouted), shouted.size(), "\\u00c9LODIE.dupont\\u0040example.com");
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", escaped, "m-e2") == "routed");
  // ...and named, escaped, in a delivery about someone else.
  json about_other = json::parse(tag_body(31337, "someone.else@example.com", "newsletter"));
  about_other["referred_by"] = "@@";
  std::string referral = about_other.dump();
  referral.replace(referral.find("@@"), 2, "\\u00c9lodie\\u002edupont\\u0040example.com");
  BOOST_TEST(webhook("CONTACT_TAG_ADDED", referral, "m-o1") == "no_prefix");
  BOOST_REQUIRE(!places_holding(*c, "lodie.dupont@example.com").empty());

  const auto erased = run({relay_binary(), "erase", "--email", "  \u00c9LODIE.dupont@EXAMPLE.com ", "--by",
                           "dpo@clientflow", "--config", config});
  BOOST_TEST(erased.exit_code == 0, erased.err);
  BOOST_TEST(erased.out.find("  leads: 1\n") != std::string::npos, erased.out);
  BOOST_TEST(erased.out.find("  stored deliveries scrubbed: 3\n") != std::string::npos, erased.out);
  const auto left = places_holding(*c, "lodie.dupont@example.com");
  BOOST_TEST(left.empty(), joined(left));
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE email = 'someone.else@example.com'") == 0);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE body IS NULL") == 3);
}
