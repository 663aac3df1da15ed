// AdminReview against a real PostgreSQL: the stored deliveries listed by status (newest first,
// a page at a time), the findings counted by kind and status, and the
// labels of the tenants asked for.
#define BOOST_TEST_MODULE admin_review
#include <boost/test/unit_test.hpp>

#include "store/admin_review.h"
#include "store/tenants.h"
#include "tests/support/test_database.h"

using cf::store::AdminReview;
using cf::testing::TestDatabase;

namespace {

// A migrated database with one tenant, "Forex One" (ib-one111-).
struct Stored {
  TestDatabase db;
  std::unique_ptr<pqxx::connection> c;
  std::string tenant_id;
  Stored() {
    db.migrate();
    c = db.connect();
    auto draft = cf::store::TenantDraft::make("Forex One", "one@example.com", "ib-one111-");
    tenant_id = cf::store::TenantStore(*c).add(*draft)->tenant.id;
  }
  // A stored delivery with `status`, received `minutes_ago`.
  void delivery(const std::string& key, const std::string& status, int minutes_ago) {
    pqxx::work tx(*c);
    tx.exec_params0("INSERT INTO webhook_events (dedup_key, source, event_type, status, detail, contact_id, email, "
                    "received_at) VALUES ($1, 'account', 'CONTACT_TAG_ADDED', $2, 'why', 7, 'p@example.com', "
                    "'2026-11-01T12:00:00Z'::timestamptz - make_interval(mins => $3))",
                    key, status, minutes_ago);
    tx.commit();
  }
  void finding(const std::string& kind, const std::string& subject, const std::string& status) {
    pqxx::work tx(*c);
    tx.exec_params0("INSERT INTO findings (kind, subject, fingerprint, status) VALUES ($1, $2, 'f', $3)", kind, subject,
                    status);
    tx.commit();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(deliveries_of_the_given_statuses_newest_first, Stored) {
  delivery("a", "ambiguous", 30);
  delivery("b", "routed", 20);
  delivery("c", "no_prefix", 10);
  delivery("d", "no_lead", 5);
  AdminReview review(*c);
  cf::store::DeliveryFilter filter;
  filter.statuses = {"ambiguous", "no_prefix"};
  const auto listed = review.deliveries(filter, 500).items;
  BOOST_REQUIRE_EQUAL(listed.size(), 2u);
  BOOST_TEST(listed[0].status == "no_prefix");
  BOOST_TEST(listed[1].status == "ambiguous");
  BOOST_TEST(listed[0].event_type == "CONTACT_TAG_ADDED");
  BOOST_TEST(listed[0].detail == "why");
  BOOST_TEST(*listed[0].contact_id == 7);
  BOOST_TEST(listed[0].email == "p@example.com");
  BOOST_TEST(listed[0].received_at == "2026-11-01T11:50:00.000Z");
  BOOST_TEST(listed[0].source == "account");
  BOOST_TEST(!listed[0].body.has_value());
  filter.statuses = {"no_lead"};
  BOOST_TEST(review.deliveries(filter, 500).items.size() == 1u);
  filter.statuses = {"ambiguous", "no_prefix"};
  const auto first = review.deliveries(filter, 1);
  BOOST_REQUIRE_EQUAL(first.items.size(), 1u);
  BOOST_REQUIRE(first.next_after.has_value());
  const auto second = review.deliveries(filter, 1, first.next_after);
  BOOST_REQUIRE_EQUAL(second.items.size(), 1u);
  BOOST_TEST(second.items[0].status == "ambiguous");
  BOOST_TEST(!second.next_after.has_value());
  filter.statuses = {};  // every status
  BOOST_TEST(review.deliveries(filter, 500).items.size() == 4u);
}

BOOST_FIXTURE_TEST_CASE(findings_are_counted_by_kind_and_status, Stored) {
  finding("shared_contact", "a@example.com", "open");
  finding("shared_contact", "b@example.com", "open");
  finding("shared_contact", "c@example.com", "dismissed");
  finding("unknown_prefix", "ib-zzz999-", "open");
  const auto counts = AdminReview(*c).finding_counts();
  BOOST_TEST(counts.at("shared_contact").at("open") == 2);
  BOOST_TEST(counts.at("shared_contact").at("dismissed") == 1);
  BOOST_TEST(counts.at("unknown_prefix").at("open") == 1);
  BOOST_TEST(counts.size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(labels_only_the_tenants_that_exist, Stored) {
  const auto labels = AdminReview(*c).tenant_labels({tenant_id, "00000000-0000-4000-8000-000000000000"});
  BOOST_REQUIRE_EQUAL(labels.size(), 1u);
  BOOST_TEST(labels.at(tenant_id).name == "Forex One");
  BOOST_TEST(labels.at(tenant_id).prefix == "ib-one111-");
  BOOST_TEST(AdminReview(*c).tenant_labels({}).empty());
}
