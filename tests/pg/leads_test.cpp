// LeadStore against a real PostgreSQL: captures stored for the caller alone with their sync
// queued, the duplicate policy both ways, listing with cursors and filters, and that no tenant
// can read, list or count another tenant's leads.
#define BOOST_TEST_MODULE leads
#include <boost/test/unit_test.hpp>

#include <set>

#include "store/leads.h"
#include "store/tenants.h"
#include "store/time_zones.h"
#include "tests/support/test_database.h"

using namespace cf;
using namespace cf::store;
using cf::testing::TestDatabase;

namespace {

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
  LeadInput input(const std::string& email, const std::string& volume = "0-50") {
    auto parsed = parse_lead_input(R"({"email": ")" + email + R"(", "name": "Trader", "ib_type": "forex-ib", "monthly_leads": ")" +
                                   volume + R"("})");
    return std::get<LeadInput>(parsed);
  }
  int count(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<int>();
  }
};

std::string field_of(const std::string& body) {
  const auto parsed = parse_lead_input(body);
  const auto* error = std::get_if<FieldError>(&parsed);
  return error == nullptr ? "ok" : error->field + ": " + error->message;
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_field_is_validated) {
  const std::string ok = R"("name": "Jo", "ib_type": "forex-ib", "monthly_leads": "500+")";
  BOOST_TEST(field_of(R"({"email": " Jo@Example.COM ", )" + ok + "}") == "ok");
  BOOST_TEST(std::get<LeadInput>(parse_lead_input(R"({"email": " Jo@Example.COM ", )" + ok + "}")).email == "jo@example.com");
  BOOST_TEST(field_of("[]") == ": body must be a JSON object");
  BOOST_TEST(field_of("{nope") == ": body must be a JSON object");
  // Nested past the limit: refused before it is parsed (64 levels by default, or the caller's).
  const auto nested = [&ok](int levels) {
    return R"({"email": "jo@x.co", "phone": )" + std::string(static_cast<std::size_t>(levels), '[') +
           std::string(static_cast<std::size_t>(levels), ']') + ", " + ok + "}";
  };
  BOOST_TEST(field_of(nested(63)) == "phone: must be a string");
  BOOST_TEST(field_of(nested(64)) == ": body nested deeper than 64 levels");
  BOOST_TEST(field_of(nested(100000)) == ": body nested deeper than 64 levels");
  BOOST_TEST(std::get<FieldError>(parse_lead_input(nested(8), 8)).message == "body nested deeper than 8 levels");
  BOOST_TEST(field_of(R"({"email": "jo", )" + ok + "}") == "email: email must have the form name@domain.tld");
  BOOST_TEST(field_of(R"({"email": 5, )" + ok + "}") == "email: must be a string");
  BOOST_TEST(field_of(R"({"email": "jo@x.co", "name": "", "ib_type": "forex-ib", "monthly_leads": "0-50"})") == "name: name is required");
  BOOST_TEST(field_of(R"({"email": "jo@x.co", "phone": "call me", )" + ok + "}") ==
             "phone: phone must have 5 or more digits and only digits, spaces and + - ( ) .");
  BOOST_TEST(field_of(R"({"email": "jo@x.co", "name": "Jo", "ib_type": "Forex IB", "monthly_leads": "0-50"})") ==
             "ib_type: ib_type must be a lower-case slug such as forex-ib (at most 40 characters)");
  BOOST_TEST(field_of(R"({"email": "jo@x.co", "name": "Jo", "ib_type": "forex-ib", "monthly_leads": "1000"})") ==
             "monthly_leads: monthly_leads must be one of 0-50, 50-200, 200-500, 500+");
  BOOST_TEST(field_of(R"({"email": "jo@x.co", "broker_network": ")" + std::string(101, 'x') + "\", " + ok + "}") ==
             "broker_network: broker_network must be at most 100 bytes of text without control characters");
  BOOST_TEST(field_of(R"({"email": "jo@x.co", "emial": "x", )" + ok + "}") == "emial: unknown field");
}

BOOST_FIXTURE_TEST_CASE(capture_stores_for_the_caller_and_queues_the_sync, TwoIbs) {
  auto first = LeadStore(*c).capture(a, input("trader@example.com"), DuplicatePolicy::allow);
  BOOST_TEST((first.outcome == CaptureOutcome::created));
  auto again = LeadStore(*c).capture(a, input("Trader@Example.com"), DuplicatePolicy::allow);
  BOOST_TEST((again.outcome == CaptureOutcome::existing));
  BOOST_TEST(again.lead->id == first.lead->id);
  BOOST_TEST(count("SELECT count(*) FROM leads") == 1);
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs WHERE tenant_id = '" + a.tenant_id + "' AND lead_id = '" +
                   first.lead->id + "'") == 1);
}

BOOST_FIXTURE_TEST_CASE(duplicate_policy_both_ways, TwoIbs) {
  LeadStore(*c).capture(a, input("shared@example.com"), DuplicatePolicy::allow);
  auto rejected = LeadStore(*c).capture(b, input("shared@example.com"), DuplicatePolicy::reject);
  BOOST_TEST((rejected.outcome == CaptureOutcome::taken_elsewhere));
  BOOST_TEST(!rejected.lead.has_value());
  BOOST_TEST(count("SELECT count(*) FROM leads") == 1);
  BOOST_TEST(count("SELECT count(*) FROM outbox_jobs") == 1);
  auto allowed = LeadStore(*c).capture(b, input("shared@example.com"), DuplicatePolicy::allow);
  BOOST_TEST((allowed.outcome == CaptureOutcome::created));
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE email = 'shared@example.com'") == 2);
  // With reject, a tenant's own existing lead is still just returned.
  auto own = LeadStore(*c).capture(b, input("shared@example.com"), DuplicatePolicy::reject);
  BOOST_TEST((own.outcome == CaptureOutcome::existing));
}

BOOST_FIXTURE_TEST_CASE(no_tenant_reaches_another_tenants_leads, TwoIbs) {
  const auto mine = *LeadStore(*c).capture(a, input("a1@example.com"), DuplicatePolicy::allow).lead;
  LeadStore(*c).capture(a, input("a2@example.com"), DuplicatePolicy::allow);
  LeadStore(*c).capture(b, input("b1@example.com"), DuplicatePolicy::allow);
  BOOST_TEST(LeadStore(*c).list(a, {})->items.size() == 2u);
  BOOST_TEST(LeadStore(*c).list(b, {})->items.size() == 1u);
  BOOST_TEST(LeadStore(*c).get(a, mine.id).has_value());
  BOOST_TEST(!LeadStore(*c).get(b, mine.id).has_value());
  BOOST_TEST(!LeadStore(*c).get(b, "not-a-uuid").has_value());
  BOOST_TEST(LeadStore(*c).stats(a).total_leads == 2);
  BOOST_TEST(LeadStore(*c).stats(b).total_leads == 1);
  // Even a caller pretending to be B with A's prefix sees only B's rows: the binding is by id.
  BOOST_TEST(LeadStore(*c).list(Caller{b.tenant_id, a.prefix}, {})->items.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(listing_pages_newest_first_and_filters, TwoIbs) {
  for (int i = 0; i < 7; ++i) LeadStore(*c).capture(a, input("p" + std::to_string(i) + "@example.com"), DuplicatePolicy::allow);
  {
    pqxx::work tx(*c);
    tx.exec_params("UPDATE leads SET tags = ARRAY[$1 || 'converted'], open_count = 2 WHERE email IN ('p1@example.com', 'p2@example.com')", a.prefix);
    tx.exec0("UPDATE leads SET created_at = now() - interval '40 days' WHERE email = 'p0@example.com'");
    tx.commit();
  }
  std::vector<std::string> seen;
  LeadQuery query;
  query.limit = 3;
  int pages = 0;
  for (;;) {
    auto page = LeadStore(*c).list(a, query);
    BOOST_REQUIRE(page.ok());
    ++pages;
    for (const auto& lead : page->items) seen.push_back(lead.email);
    if (page->next_cursor.empty()) break;
    query.cursor = page->next_cursor;
  }
  BOOST_TEST(pages == 3);
  BOOST_TEST(seen.size() == 7u);
  BOOST_TEST(seen.back() == "p0@example.com");  // the oldest last
  BOOST_TEST(std::set<std::string>(seen.begin(), seen.end()).size() == 7u);

  LeadQuery converted;
  converted.tag_suffix = "converted";
  BOOST_TEST(LeadStore(*c).list(a, converted)->items.size() == 2u);
  BOOST_TEST(LeadStore(*c).list(a, converted)->items[0].converted);
  LeadQuery recent;
  recent.created_after = SystemClock().now_ms() - 86400000LL;
  BOOST_TEST(LeadStore(*c).list(a, recent)->items.size() == 6u);
  LeadQuery bad;
  bad.cursor = "garbage";
  BOOST_TEST(!LeadStore(*c).list(a, bad).ok());
  // Numbers a bigint, or the timestamp arithmetic, cannot hold: refused, not thrown.
  for (const std::string number : {"99999999999999999999", "9999999999999999999", "9223372036854775807", "99999999999999999", "-1"}) {
    bad.cursor = number + "_00000000-0000-4000-8000-000000000000";
    const auto refused = LeadStore(*c).list(a, bad);
    BOOST_TEST(!refused.ok(), number);
    if (!refused.ok()) BOOST_TEST((refused.error().kind == cf::ErrorKind::invalid_input), number);
  }

  const auto stats = LeadStore(*c).stats(a);
  BOOST_TEST(stats.total_leads == 7);
  BOOST_TEST(stats.converted == 2);
  BOOST_TEST(stats.converted_this_month == 2);  // converted by their tag just now
  BOOST_TEST(stats.opened == 2);
  BOOST_TEST(stats.this_month == 6);  // p0 is 40 days old; the rest were made just now
  // The zones PostgreSQL knows, read once by the daemon: found in any case, as PostgreSQL spells them.
  const auto zones = load_time_zone_names(*c);
  BOOST_TEST(zones.size() > 300u);
  BOOST_TEST(*zones.find("europe/paris") == "Europe/Paris");
  BOOST_TEST(*zones.find("UTC") == "UTC");
  BOOST_TEST(!zones.find("Mars/Olympus"));
  BOOST_TEST(LeadStore(*c).stats(a, *zones.find("europe/paris")).total_leads == 7);
}

// A capture's ib_type becomes a Systeme.io tag (prefix + ib_type). One holding the shape of a
// tenant prefix would make a tag whose name holds another IB's tags (A's "ib-abc123-ib-def456-
// demo-request-1" holds B's "ib-def456-demo-request"), crowding B's tag out of Systeme.io's tag
// search: refused, naming ib_type, wherever in ib_type the shape is.
BOOST_FIXTURE_TEST_CASE(an_ib_type_holding_a_tag_prefix_is_refused, TwoIbs) {
  const std::string message =
      "ib_type: ib_type must not hold the shape of a tag prefix (ib-, then 3 to 32 letters or digits, then -)";
  const auto with_ib_type = [](const std::string& ib_type) {
    return R"({"email": "jo@x.co", "name": "Jo", "ib_type": ")" + ib_type + R"(", "monthly_leads": "0-50"})";
  };
  for (const char* look_alike : {"ib-def456-demo-request-1", "forex-ib-def456-demo", "x-ib-b7x2k9p4-y", "xib-abc-y",
                                 "ib-abcdefghijklmnopqrstuvwxyz012345-a"}) {
    BOOST_TEST(field_of(with_ib_type(look_alike)) == message, look_alike);
  }
  for (const char* fine : {"forex-ib", "ib-forex", "ib-ab-x", "crypto-ib-partner", "ib-abcdefghijklmnopqrstuvwxyz0123456-a"}) {
    BOOST_TEST(field_of(with_ib_type(fine)) == "ok", fine);
  }
}
