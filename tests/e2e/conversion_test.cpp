// Conversion through the real binary, with the fake Systeme.io: a sale converts a lead and its
// cancel unconverts it, a cancel that comes first undoes its sale, PATCH /v1/leads/{id} adds and
// withdraws the API's reason (409 while a tag or sale still converts), the relay's own converted
// tag comes back as an echo that does not keep a cancelled sale's lead converted, stats count
// conversions this month in a time zone, and another tenant cannot touch the lead (404).
#define BOOST_TEST_MODULE conversion
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

const std::string kApiKey = "conversion-api-key";

struct World : TwoTenants {
  FakeSysteme systeme{kApiKey};
  std::unique_ptr<Background> daemon;
  std::string base;

  explicit World(const std::string& extra = "") {
    const auto config = write_relay_config(
        db.url(), "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\nsysteme:\n  webhook_secrets: [" +
                      secret + "]\n  api_base: " + systeme.api_base() + "\n  api_key: " + kApiKey +
                      "\n  requests_per_second: 100\n  timeout_seconds: 5\n" + extra);
    auto serving = serve(config);
    daemon = std::move(serving.daemon);
    base = serving.base;
  }
  ~World() { daemon->stop(SIGTERM); }

  HttpResponse call(const std::string& method, const std::string& path, const std::string& key, const std::string& body = "") {
    return api_request(method, base + path, key, body);
  }
  // A's lead for `email`, captured and synced to the fake Systeme.io; its id.
  std::string captured(const std::string& email) {
    const auto created = post_lead_capture(base, *a.keys.api_key, email);
    BOOST_REQUIRE(created.status == 201);
    settle();
    return json::parse(created.body)["id"];
  }
  json lead(const std::string& id) { return json::parse(call("GET", "/v1/leads/" + id, *a.keys.api_key).body); }
  HttpResponse patch(const std::string& id, bool converted, const std::string& key = "") {
    return call("PATCH", "/v1/leads/" + id, key.empty() ? *a.keys.api_key : key, json{{"converted", converted}}.dump());
  }
  // A signed account webhook; the status the daemon answered with.
  std::string webhook(const std::string& event, const std::string& body, const std::string& message_id,
                      const std::string& event_timestamp = "") {
    std::map<std::string, std::string> headers{{"X-Webhook-Event", event},
                                               {"X-Webhook-Signature", sign(secret, body)},
                                               {"X-Webhook-Message-Id", message_id},
                                               {"Content-Type", "application/json"}};
    if (!event_timestamp.empty()) headers["X-Webhook-Event-Timestamp"] = event_timestamp;
    const auto answer = http_request("POST", base + "/webhooks/systeme", body, headers);
    const auto parsed = json::parse(answer.body, nullptr, false);
    return parsed.is_object() && parsed.contains("status") ? parsed["status"].get<std::string>() : answer.body;
  }
  std::string sale(const std::string& event, long long contact_id, const std::string& email, long long order,
                   const std::string& message_id) {
    return webhook(event,
                   json{{"customer", {{"id", 1}, {"contactId", contact_id}, {"email", email}, {"fields", json::object()}}},
                        {"order", {{"id", order}, {"totalPrice", 100}}}}
                       .dump(),
                   message_id);
  }
  // Waits until the outbox has no job left to run; then no job may have failed.
  void settle() {
    BOOST_REQUIRE(eventually([&] {
      return count("SELECT count(*) FROM outbox_jobs WHERE done_at IS NULL AND failed_at IS NULL") == 0;
    }, std::chrono::seconds(30)));
    BOOST_REQUIRE(count("SELECT count(*) FROM outbox_jobs WHERE failed_at IS NOT NULL") == 0);
  }
  long long count(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<long long>();
  }
  // The fake Systeme.io contact of `email`: its id and tag names.
  std::pair<long long, std::set<std::string>> contact(const std::string& email) {
    for (const auto& fake : systeme.contacts()) {
      if (fake.email != email) continue;
      std::set<std::string> names;
      for (long long id : fake.tag_ids) names.insert(systeme.tag_name(id));
      return {fake.id, names};
    }
    return {0, {}};
  }
  // The lead's conversion entries, oldest first, as "kind:reason".
  std::vector<std::string> conversion_entries(const std::string& id) {
    std::vector<std::string> out;
    const json shown = lead(id);
    for (const auto& event : shown["events"]) {
      const std::string kind = event["kind"];
      if (kind.rfind("conversion_", 0) == 0 || kind == "converted" || kind == "unconverted") {
        out.insert(out.begin(), kind + ":" + event.value("reason", std::string()));
      }
    }
    return out;
  }
};

const std::set<std::string> kCaptureTags{"ib-aaa111-demo-request", "ib-aaa111-forex-ib"};

std::set<std::string> with_converted(std::set<std::string> tags) {
  tags.insert("ib-aaa111-converted");
  return tags;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_sale_converts_and_its_cancel_unconverts_whatever_the_echo_of_the_relays_tag) {
  World w;
  const std::string id = w.captured("buyer@example.com");
  const long long contact = w.contact("buyer@example.com").first;
  BOOST_TEST(w.lead(id)["converted"] == false);
  BOOST_TEST(w.lead(id)["converted_by"].is_null());

  BOOST_TEST(w.sale("SALE_NEW", contact, "buyer@example.com", 501, "s1") == "routed");
  auto lead = w.lead(id);
  BOOST_TEST(lead["converted"] == true);
  BOOST_TEST(lead["converted_by"] == "sale");
  BOOST_TEST(lead["converted_at"].is_string());
  // The relay adds <prefix>converted at Systeme.io, so the IB's workflows can react.
  w.settle();
  BOOST_TEST(w.contact("buyer@example.com").second == with_converted(kCaptureTags));

  // Systeme.io tells us of the tag the relay added: its echo, not a reason of its own.
  const std::vector<std::string> all{"ib-aaa111-demo-request", "ib-aaa111-forex-ib", "ib-aaa111-converted"};
  BOOST_TEST(w.webhook("CONTACT_TAG_ADDED", tag_body(contact, "buyer@example.com", "ib-aaa111-converted", all), "e1") ==
             "routed");
  BOOST_TEST(w.lead(id)["converted_by"] == "sale");

  BOOST_TEST(w.sale("SALE_CANCELED", contact, "buyer@example.com", 501, "s2") == "routed");
  lead = w.lead(id);
  BOOST_TEST(lead["converted"] == false);
  BOOST_TEST(lead["converted_at"].is_null());
  BOOST_TEST(lead["converted_by"].is_null());
  w.settle();
  BOOST_TEST(w.contact("buyer@example.com").second == kCaptureTags);
  BOOST_TEST(w.systeme.calls("DELETE /contacts/tags") == 1);
  BOOST_TEST(w.lead(id)["tags"].size() == 2u);

  // The echo of the removal, then the echo of the addition arriving late (stamped before it):
  // neither converts the lead again.
  BOOST_TEST(w.webhook("CONTACT_TAG_REMOVED",
                       tag_body(contact, "buyer@example.com", "ib-aaa111-converted", {all[0], all[1]}), "e2") == "routed");
  BOOST_TEST(w.webhook("CONTACT_TAG_ADDED", tag_body(contact, "buyer@example.com", "ib-aaa111-converted", all), "e3",
                       "2020-01-01T00:00:00+00:00") == "routed");
  BOOST_TEST(w.lead(id)["converted"] == false);
  BOOST_TEST((w.conversion_entries(id) ==
              std::vector<std::string>{"conversion_reason_added:sale", "converted:sale", "conversion_reason_withdrawn:sale",
                                       "unconverted:"}));
  w.settle();
  BOOST_TEST(w.systeme.calls("POST /contacts/tags") == 3);  // demo-request, forex-ib, converted: once each
}

BOOST_AUTO_TEST_CASE(a_cancel_that_arrives_before_its_sale_undoes_it) {
  World w;
  const std::string id = w.captured("early@example.com");
  const long long contact = w.contact("early@example.com").first;
  BOOST_TEST(w.sale("SALE_CANCELED", contact, "early@example.com", 700, "c1") == "routed");
  BOOST_TEST(w.sale("SALE_NEW", contact, "early@example.com", 700, "c2") == "routed");
  BOOST_TEST(w.lead(id)["converted"] == false);
  BOOST_TEST(w.conversion_entries(id).empty());
  w.settle();
  BOOST_TEST(w.contact("early@example.com").second == kCaptureTags);

  // Another order of the same person converts it; the cancel of order 700 does not touch it.
  BOOST_TEST(w.sale("SALE_NEW", contact, "early@example.com", 701, "c3") == "routed");
  BOOST_TEST(w.lead(id)["converted_by"] == "sale");
  BOOST_TEST(w.sale("SALE_CANCELED", contact, "early@example.com", 700, "c4") == "routed");
  BOOST_TEST(w.lead(id)["converted"] == true);
  BOOST_TEST(w.count("SELECT count(*) FROM lead_sales WHERE sold_at IS NOT NULL AND canceled_at IS NULL") == 1);
}

BOOST_AUTO_TEST_CASE(sales_convert_nothing_with_convert_on_sale_false) {
  World w("leads:\n  convert_on_sale: false\n");
  const std::string id = w.captured("nosale@example.com");
  BOOST_TEST(w.sale("SALE_NEW", w.contact("nosale@example.com").first, "nosale@example.com", 900, "n1") == "routed");
  BOOST_TEST(w.lead(id)["converted"] == false);
  w.settle();
  BOOST_TEST(w.contact("nosale@example.com").second == kCaptureTags);
}

BOOST_AUTO_TEST_CASE(patch_adds_and_withdraws_the_api_reason_and_409_names_what_still_converts) {
  World w;
  const std::string id = w.captured("api@example.com");
  auto answer = w.patch(id, true);
  BOOST_TEST(answer.status == 200);
  BOOST_TEST(json::parse(answer.body)["converted_by"] == "api");
  w.settle();
  BOOST_TEST(w.contact("api@example.com").second == with_converted(kCaptureTags));
  answer = w.patch(id, false);
  BOOST_TEST(answer.status == 200);
  BOOST_TEST(json::parse(answer.body)["converted"] == false);
  w.settle();
  BOOST_TEST(w.contact("api@example.com").second == kCaptureTags);
  BOOST_TEST((w.conversion_entries(id) ==
              std::vector<std::string>{"conversion_reason_added:api", "converted:api", "conversion_reason_withdrawn:api",
                                       "unconverted:"}));

  // Converted by the API, then by a sale: false withdraws the API's reason only.
  BOOST_TEST(w.patch(id, true).status == 200);
  BOOST_TEST(w.sale("SALE_NEW", w.contact("api@example.com").first, "api@example.com", 42, "p1") == "routed");
  BOOST_TEST(w.lead(id)["converted_by"] == "api");  // the earliest reason that stands
  answer = w.patch(id, false);
  BOOST_TEST(answer.status == 409);
  const auto conflict = json::parse(answer.body);
  BOOST_TEST(conflict["converted_by"] == "sale");
  BOOST_TEST(conflict["field"] == "converted");
  BOOST_TEST(conflict["error"].get<std::string>().find("sale") != std::string::npos);
  BOOST_TEST(w.lead(id)["converted_by"] == "sale");

  // The IB's own <prefix>converted (a workflow added it): a reason the API cannot withdraw.
  const std::string tagged = w.captured("tagged@example.com");
  const long long contact = w.contact("tagged@example.com").first;
  BOOST_TEST(w.webhook("CONTACT_TAG_ADDED", tag_body(contact, "tagged@example.com", "ib-aaa111-converted"), "t1") == "routed");
  BOOST_TEST(w.lead(tagged)["converted_by"] == "tag");
  answer = w.patch(tagged, false);
  BOOST_TEST(answer.status == 409);
  BOOST_TEST(json::parse(answer.body)["converted_by"] == "tag");
  w.settle();
  BOOST_TEST(w.systeme.calls("DELETE /contacts/tags") == 1);  // only the API's own tag was ever removed

  // Bad bodies name their field; nothing changes.
  BOOST_TEST(json::parse(w.call("PATCH", "/v1/leads/" + id, *w.a.keys.api_key, R"({"converted": "yes"})").body)["field"] ==
             "converted");
  BOOST_TEST(json::parse(w.call("PATCH", "/v1/leads/" + id, *w.a.keys.api_key, R"({"converted": true, "x": 1})").body)["field"] ==
             "x");
  BOOST_TEST(w.call("PATCH", "/v1/leads/" + id, *w.a.keys.api_key, "{}").status == 400);
  BOOST_TEST(w.call("PATCH", "/v1/leads/" + id, *w.a.keys.api_key, "[true]").status == 400);
}

BOOST_AUTO_TEST_CASE(another_tenant_cannot_patch_a_lead) {
  World w;
  const std::string id = w.captured("mine@example.com");
  const auto theirs = w.patch(id, true, *w.b.keys.api_key);
  BOOST_TEST(theirs.status == 404);
  BOOST_TEST(theirs.body == w.patch("00000000-0000-4000-8000-000000000000", true).body);  // the same as a missing one
  BOOST_TEST(w.patch("not-a-uuid", true).status == 404);
  BOOST_TEST(w.lead(id)["converted"] == false);
  BOOST_TEST(w.count("SELECT count(*) FROM lead_events WHERE kind LIKE 'conversion%'") == 0);
}

BOOST_AUTO_TEST_CASE(stats_count_conversions_this_month_in_a_time_zone) {
  World w;
  const std::string now_lead = w.captured("now@example.com");
  const std::string edge_lead = w.captured("edge@example.com");
  w.captured("plain@example.com");
  BOOST_TEST(w.patch(now_lead, true).status == 200);
  BOOST_TEST(w.patch(edge_lead, true).status == 200);
  w.settle();
  {
    // Half an hour before this month began in UTC: in Paris (UTC+1 or +2), this month.
    pqxx::work tx(*w.c);
    tx.exec_params("UPDATE leads SET created_at = date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '30 minutes', "
                   "converted_api_at = date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '30 minutes' "
                   "WHERE id = $1::uuid", edge_lead);
    tx.commit();
  }
  BOOST_TEST(w.lead(edge_lead)["converted_at"] < w.lead(now_lead)["converted_at"]);
  const auto stats = [&](const std::string& query) {
    return json::parse(w.call("GET", "/v1/stats" + query, *w.a.keys.api_key).body);
  };
  auto utc = stats("");
  BOOST_TEST(utc["total_leads"] == 3);
  BOOST_TEST(utc["this_month"] == 2);
  BOOST_TEST(utc["converted"] == 2);
  BOOST_TEST(utc["converted_this_month"] == 1);
  BOOST_TEST(stats("?tz=UTC") == utc);
  auto paris = stats("?tz=Europe%2FParis");
  BOOST_TEST(paris["this_month"] == 3);
  BOOST_TEST(paris["converted_this_month"] == 2);
  BOOST_TEST(paris["converted"] == 2);

  for (const std::string bad : {"Mars%2FOlympus", "..%2Fetc", "Europe%2FParis%3B"}) {
    const auto refused = w.call("GET", "/v1/stats?tz=" + bad, *w.a.keys.api_key);
    BOOST_TEST(refused.status == 400, bad);
    BOOST_TEST(json::parse(refused.body)["field"] == "tz", bad);
  }
  BOOST_TEST(json::parse(w.call("GET", "/v1/stats", *w.b.keys.api_key).body)["converted_this_month"] == 0);
}
