// Parsing Systeme.io deliveries in every body shape shared/systeme-io.md documents, and the
// unsupported and malformed outcomes.
#define BOOST_TEST_MODULE event
#include <boost/test/unit_test.hpp>

#include "ingest/delivery.h"
#include "ingest/event.h"

using namespace cf::ingest;

namespace {
const char* kContactBody = R"({"contact": {"id": 12345, "email": " Email@Example.com ", "registeredAt": "2024-01-01T00:00:00+00:00",
  "locale": "en", "sourceURL": null, "unsubscribed": false, "bounced": false, "needsConfirmation": false,
  "fields": [{"fieldName": "First name", "slug": "first_name", "value": "John"},
             {"fieldName": "Last name", "slug": "surname", "value": "Doe"},
             {"fieldName": "Owner", "slug": "ib_owner_id", "value": null}],
  "tags": [{"id": 1, "name": "some_tag"}, {"id": 2, "name": "ib-abc123-demo-request"}]}})";
}  // namespace

BOOST_AUTO_TEST_CASE(contact_created_single_nesting) {
  auto out = parse_account_event("CONTACT_CREATED", kContactBody);
  BOOST_REQUIRE((out.status == ParseStatus::ok));
  BOOST_TEST((out.event.kind == EventKind::contact_created));
  BOOST_TEST(*out.event.contact.id == 12345);
  BOOST_TEST(out.event.contact.email == "email@example.com");
  BOOST_REQUIRE(out.event.contact.tags.has_value());
  BOOST_TEST(out.event.contact.tags->size() == 2u);
  BOOST_TEST((*out.event.contact.tags)[1] == "ib-abc123-demo-request");
  BOOST_TEST(out.event.contact.fields.size() == 2u);  // the null value is not a value
  BOOST_TEST(out.event.contact.fields.at("surname") == "Doe");
  BOOST_TEST(!out.event.tag.has_value());
}

BOOST_AUTO_TEST_CASE(tag_added_live_and_documented_nesting) {
  const std::string live = R"({"contact": {"id": 7, "email": "a@b.co", "tags": []}, "tag": {"id": 9, "name": "ib-abc123-vip"}})";
  const std::string documented =
      R"({"contact": {"contact": {"id": 7, "email": "a@b.co", "tags": []}}, "tag": {"id": 9, "name": "ib-abc123-vip"}})";
  for (const auto& body : {live, documented}) {
    auto out = parse_account_event("CONTACT_TAG_ADDED", body);
    BOOST_REQUIRE((out.status == ParseStatus::ok));
    BOOST_TEST((out.event.kind == EventKind::tag_added));
    BOOST_TEST(*out.event.tag == "ib-abc123-vip");
    BOOST_TEST(*out.event.contact.id == 7);
    BOOST_TEST(out.event.contact.email == "a@b.co");
    BOOST_TEST(out.event.contact.tags->empty());
  }
  auto removed = parse_account_event("CONTACT_TAG_REMOVED", live);
  BOOST_TEST((removed.event.kind == EventKind::tag_removed));
}

BOOST_AUTO_TEST_CASE(sale_with_php_escaped_slashes_and_no_tags) {
  const std::string body = R"({"customer": {"id": 12799002, "contactId": 445573087, "email": "buyer@example.com",
  "fields": {"first_name": "Test", "country": "FR"}, "sourceUrl": "https:\/\/x.systeme.io\/466f06b8"},
 "order": {"id": 12768313, "createdAt": "2026-09-27T20:16:26+00:00", "totalPrice": 100, "vat": 0.0},
 "pricePlan": {"id": 3456303, "name": "Plan", "type": "one_shot", "amount": 100, "currency": "eur"}})";
  for (const char* type : {"SALE_NEW", "SALE_CANCELED"}) {
    auto out = parse_account_event(type, body);
    BOOST_REQUIRE((out.status == ParseStatus::ok));
    BOOST_TEST(*out.event.contact.id == 445573087);  // contactId, not customer.id
    BOOST_TEST(out.event.contact.email == "buyer@example.com");
    BOOST_TEST(!out.event.contact.tags.has_value());
    BOOST_TEST(out.event.contact.fields.at("country") == "FR");
  }
}

BOOST_AUTO_TEST_CASE(rule_webhook_with_fields_as_list_and_as_object) {
  const std::string empty_fields = R"({"type": "contact.optin.completed",
 "data": {"contact": {"id": 29142804, "email": "a@example.com", "fields": [], "ip": "31.173.103.109",
                      "referred_by_contact_id": null, "referred_by_contact_email": null},
          "funnel_step": {}},
 "account": {"email": "owner@example.com"}, "created_at": "2026-09-27T19:57:41+00:00"})";
  auto out = parse_rule_event("email-opened", empty_fields);
  BOOST_REQUIRE((out.status == ParseStatus::ok));
  BOOST_TEST((out.event.kind == EventKind::rule));
  BOOST_TEST(out.event.rule_kind == "email-opened");
  BOOST_TEST(out.event.contact.email == "a@example.com");
  BOOST_TEST(out.event.contact.fields.empty());
  BOOST_TEST(*out.event.occurred_at == 1790539061000LL);

  const std::string object_fields =
      R"({"type": "x", "data": {"contact": {"id": 1, "email": "b@example.com", "fields": {"first_name": "Ann", "age": 31}}}})";
  auto filled = parse_rule_event("optin", object_fields);
  BOOST_REQUIRE((filled.status == ParseStatus::ok));
  BOOST_TEST(filled.event.contact.fields.at("first_name") == "Ann");
  BOOST_TEST(filled.event.contact.fields.at("age") == "31");
  BOOST_TEST(!filled.event.occurred_at.has_value());
}

BOOST_AUTO_TEST_CASE(unsupported_events_are_kept_not_parsed) {
  BOOST_TEST((parse_account_event("", kContactBody).status == ParseStatus::unsupported));
  BOOST_TEST((parse_account_event("CONTACT_DELETED", kContactBody).status == ParseStatus::unsupported));
  BOOST_TEST((parse_account_event("contact_created", kContactBody).status == ParseStatus::unsupported));
}

BOOST_AUTO_TEST_CASE(malformed_bodies) {
  const auto reason = [](const char* type, const std::string& body) {
    auto out = parse_account_event(type, body);
    BOOST_TEST((out.status == ParseStatus::malformed), body);
    return out.reason;
  };
  BOOST_TEST(reason("CONTACT_CREATED", "{not json") == "body is not valid JSON");
  BOOST_TEST(reason("CONTACT_CREATED", "[1,2]") == "body is not a JSON object");
  BOOST_TEST(reason("CONTACT_CREATED", "{\"x\": 1}") == "body has no contact");
  BOOST_TEST(reason("CONTACT_CREATED", "{\"contact\": {\"locale\": \"en\"}}") == "contact has neither an id nor an email");
  BOOST_TEST(reason("CONTACT_CREATED", "{\"contact\": \"x\"}") == "contact is not an object");
  BOOST_TEST(reason("CONTACT_CREATED", "{\"contact\": {\"email\": \"" + std::string(250, 'a') + "@x.io\"}}") ==
             "contact email longer than 254 bytes");
  BOOST_TEST((parse_account_event("CONTACT_CREATED", "{\"contact\": {\"email\": \"" + std::string(249, 'a') + "@x.io\"}}").status ==
              ParseStatus::ok));
  BOOST_TEST(reason("CONTACT_TAG_ADDED", "{\"contact\": {\"id\": 1}}") == "tag event without tag.name");
  BOOST_TEST(reason("CONTACT_TAG_ADDED", "{\"contact\": {\"id\": 1}, \"tag\": {\"name\": \"\"}}") == "tag event without tag.name");
  BOOST_TEST(reason("SALE_NEW", "{\"order\": {}}") == "sale has no customer");
  BOOST_TEST(reason("CONTACT_CREATED", "{\"contact\": {\"email\": \"bad \xff\"}}") == "body is not valid JSON");
  BOOST_TEST((parse_rule_event("optin", "{\"data\": {}}").status == ParseStatus::malformed));
  // What PostgreSQL cannot store, or no address holds, is refused here rather than by the database.
  BOOST_TEST(reason("CONTACT_CREATED", R"({"contact": {"id": 1, "email": "a\u0000@b.co"}})") == "contact email holds control characters");
  BOOST_TEST(reason("CONTACT_CREATED", R"({"contact": {"id": 1, "email": "a@b.co\r\nBcc: c@d.co"}})") ==
             "contact email holds control characters");
  BOOST_TEST(reason("CONTACT_TAG_ADDED", R"({"contact": {"id": 1}, "tag": {"name": "ib-x-\u0000"}})") ==
             "tag.name holds control characters");
  BOOST_TEST(reason("CONTACT_CREATED", R"({"contact": {"id": 1, "tags": [{"name": "a\tb"}]}})") ==
             "a contact tag name holds control characters");
  BOOST_TEST(reason("CONTACT_CREATED", R"({"contact": {"id": 1, "fields": {"city": "x\u0000"}}})") == "a contact field holds U+0000");
  BOOST_TEST(reason("CONTACT_CREATED", R"({"contact": {"id": 1, "fields": [{"slug": "a\u0000", "value": "x"}]}})") ==
             "a contact field holds U+0000");
  BOOST_TEST((parse_rule_event("optin", R"({"data": {"contact": {"id": 1, "email": "a\u0001@b.co"}}})").status ==
              ParseStatus::malformed));
  // A field value may span lines.
  const auto multiline = parse_account_event("CONTACT_CREATED", R"({"contact": {"id": 1, "fields": {"address": "1 Main St\nLeeds"}}})");
  BOOST_TEST((multiline.status == ParseStatus::ok));
  BOOST_TEST(multiline.event.contact.fields.at("address") == "1 Main St\nLeeds");
}

BOOST_AUTO_TEST_CASE(contact_id_as_string_and_oversized) {
  auto as_string = parse_account_event("CONTACT_OPT_IN", R"({"contact": {"id": "42", "email": "x@y.co"}})");
  BOOST_TEST(*as_string.event.contact.id == 42);
  auto huge = parse_account_event("CONTACT_OPT_IN", R"({"contact": {"id": "99999999999999999999", "email": "x@y.co"}})");
  BOOST_TEST(!huge.event.contact.id.has_value());
  BOOST_TEST(huge.event.contact.email == "x@y.co");
}

BOOST_AUTO_TEST_CASE(rule_kind_slugs) {
  BOOST_TEST(is_rule_kind("email-opened"));
  BOOST_TEST(is_rule_kind("a"));
  BOOST_TEST(is_rule_kind(std::string(40, 'x')));
  BOOST_TEST(!is_rule_kind(""));
  BOOST_TEST(!is_rule_kind(std::string(41, 'x')));
  BOOST_TEST(!is_rule_kind("Email-Opened"));
  BOOST_TEST(!is_rule_kind("email_opened"));
  // The relay's own conversion entries cannot come from a workflow's webhook.
  BOOST_TEST(!is_rule_kind("converted"));
  BOOST_TEST(!is_rule_kind("unconverted"));
  BOOST_TEST(is_rule_kind("converted-buyer"));
  BOOST_TEST(!is_rule_kind("a/b"));
}

BOOST_AUTO_TEST_CASE(account_dedup_keys) {
  BOOST_TEST(account_dedup_key("01a0e483-09fb", "SALE_NEW", "{}") == "msg:01a0e483-09fb");
  BOOST_TEST(account_dedup_key("", "SALE_NEW", "{}").rfind("sha256:", 0) == 0u);
  BOOST_TEST(account_dedup_key("", "SALE_NEW", "{}") != account_dedup_key("", "SALE_CANCELED", "{}"));
  // An id that is not printable ASCII (or is huge) is hashed, so it can never break a batch.
  BOOST_TEST(account_dedup_key("bad\xff id", "SALE_NEW", "{}").rfind("msgsha256:", 0) == 0u);
  BOOST_TEST(account_dedup_key(std::string(300, 'a'), "SALE_NEW", "{}").rfind("msgsha256:", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(account_event_types) {
  BOOST_TEST(account_event_type("CONTACT_TAG_ADDED") == "CONTACT_TAG_ADDED");
  BOOST_TEST(account_event_type("").empty());
  // Not UTF-8, control characters or too long: a readable name the database takes, still distinct.
  const std::string unreadable = account_event_type("CONTACT_\xff");
  BOOST_TEST(unreadable.rfind("unreadable:", 0) == 0u);
  BOOST_TEST(unreadable.size() == 11u + 64u);
  BOOST_TEST(unreadable != account_event_type("CONTACT_\xfe"));
  BOOST_TEST(account_event_type("A\tB").rfind("unreadable:", 0) == 0u);
  BOOST_TEST(account_event_type(std::string(100, 'A')) == std::string(100, 'A'));
  BOOST_TEST(account_event_type(std::string(101, 'A')).rfind("unreadable:", 0) == 0u);
  BOOST_TEST((parse_account_event(unreadable, "{}").status == ParseStatus::unsupported));
}

BOOST_AUTO_TEST_CASE(bodies_nested_past_the_limit_are_malformed_before_parsing) {
  // The field holds `levels` arrays; the contact object and the body add three levels.
  const auto body = [](int levels) {
    return R"({"contact":{"id":1,"fields":{"a":)" + std::string(static_cast<std::size_t>(levels), '[') +
           std::string(static_cast<std::size_t>(levels), ']') + "}}}";
  };
  BOOST_TEST((parse_account_event("CONTACT_CREATED", body(61)).status == ParseStatus::ok));
  const auto deeper = parse_account_event("CONTACT_CREATED", body(62));
  BOOST_TEST((deeper.status == ParseStatus::malformed));
  BOOST_TEST(deeper.reason == "body nested deeper than 64 levels");
  BOOST_TEST((parse_rule_event("email-opened", body(62)).status == ParseStatus::malformed));
  // 200,000 levels: refused without recursing (this used to overflow the stack in dump()).
  BOOST_TEST(parse_account_event("CONTACT_CREATED", body(200000)).reason == "body nested deeper than 64 levels");
  BOOST_TEST(parse_rule_event("email-opened", body(200000)).reason == "body nested deeper than 64 levels");
  // The limit is the caller's (http.max_json_depth).
  BOOST_TEST((parse_account_event("CONTACT_CREATED", body(62), {70}).status == ParseStatus::ok));
  BOOST_TEST(parse_rule_event("email-opened", body(6), {8}).reason == "body nested deeper than 8 levels");
}
