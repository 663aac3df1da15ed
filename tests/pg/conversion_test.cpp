// The conversion triggers of sql/009_conversion.sql against a real PostgreSQL: sales keyed by
// order whatever their bodies hold (no order id, bytes PostgreSQL cannot read as JSON, a timeline
// row written twice), sales that count for nothing when the session says so, and the API's
// reason set through LeadStore under the tenant's row-level security.
#define BOOST_TEST_MODULE conversion_store
#include <boost/test/unit_test.hpp>

#include "store/leads.h"
#include "tests/support/two_tenants.h"

using namespace cf;
using namespace cf::store;

namespace {

struct OneLead : cf::testing::TwoTenants {
  Caller a, b;  // the two tenants as callers of the tenant API
  std::string lead;
  long long deliveries = 0;

  OneLead() : a{TwoTenants::a.tenant.id, TwoTenants::a.tenant.prefix}, b{TwoTenants::b.tenant.id, TwoTenants::b.tenant.prefix} {
    pqxx::work tx(*c);
    lead = tx.exec_params1("INSERT INTO leads (tenant_id, email) VALUES ($1::uuid, 'p@example.com') RETURNING id::text", a.tenant_id)[0]
               .as<std::string>();
    tx.commit();
  }
  // A stored delivery with `body` and its timeline entry `kind` for the lead, as ingest writes them.
  void sale(const std::string& kind, const std::string& body, const std::string& session = "") {
    pqxx::work tx(*c);
    if (!session.empty()) tx.exec0(session);
    const auto id = tx.exec_params1("INSERT INTO webhook_events (dedup_key, source, event_type, status, body) "
                                    "VALUES ($1, 'account', $2, 'routed', $3) RETURNING id",
                                    "k" + std::to_string(++deliveries), kind, pqxx::binarystring(body))[0]
                        .as<long long>();
    tx.exec_params("INSERT INTO lead_events (tenant_id, lead_id, kind, occurred_at, webhook_event_id) "
                   "VALUES ($1::uuid, $2::uuid, $3, now(), $4)",
                   a.tenant_id, lead, kind == "SALE_NEW" ? "sale_new" : "sale_canceled", id);
    tx.commit();
  }
  std::string text(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    const auto field = tx.exec1(sql)[0];
    return field.is_null() ? "NULL" : field.as<std::string>();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(sales_are_keyed_by_order_whatever_the_body_holds, OneLead) {
  sale("SALE_NEW", R"({"order": {"id": 5}})");
  sale("SALE_CANCELED", R"({"customer": {"email": "p@example.com"}})");  // no order: undoes nothing
  BOOST_TEST(text("SELECT converted_by FROM leads") == "sale");
  sale("SALE_CANCELED", R"({"order": {"id": 5}, "note": "\u0000"})");  // PostgreSQL cannot read it as jsonb
  BOOST_TEST(text("SELECT converted_by FROM leads") == "sale");
  BOOST_TEST(text("SELECT string_agg(order_key, ',' ORDER BY order_key) FROM lead_sales") == "5,event:2,event:3");
  sale("SALE_CANCELED", R"({"order": {"id": 5}})");
  sale("SALE_CANCELED", R"({"order": {"id": 5}})");  // the same cancel again changes nothing
  BOOST_TEST(text("SELECT converted_by FROM leads") == "NULL");
  BOOST_TEST(text("SELECT string_agg(kind || coalesce(':' || reason, ''), ',' ORDER BY id) FROM lead_events "
                  "WHERE kind NOT LIKE 'sale%'") ==
             "conversion_reason_added:sale,converted:sale,conversion_reason_withdrawn:sale,unconverted");
  // One sync queued: the tag wanted, then unwanted while that job still waited unclaimed.
  BOOST_TEST(text("SELECT count(*) || ' ' || max(converted_tag_relay) FROM outbox_jobs, leads") == "1 unwanted");
}

BOOST_FIXTURE_TEST_CASE(sales_convert_nothing_when_the_session_says_so, OneLead) {
  sale("SALE_NEW", R"({"order": {"id": 6}})", "SET LOCAL clientflow.convert_on_sale = off");
  BOOST_TEST(text("SELECT coalesce(converted_by, 'none') FROM leads") == "none");
  BOOST_TEST(text("SELECT count(*) FROM lead_sales WHERE sold_at IS NOT NULL") == "1");  // kept all the same
  BOOST_TEST(text("SELECT count(*) FROM outbox_jobs") == "0");
}

BOOST_FIXTURE_TEST_CASE(the_api_reason_is_the_callers_alone, OneLead) {
  BOOST_TEST(!LeadStore(*c).set_converted(b, lead, true).found);  // another tenant: no such lead
  BOOST_TEST(text("SELECT count(*) FROM lead_events") == "0");
  const auto converted = LeadStore(*c).set_converted(a, lead, true);
  BOOST_TEST(converted.found);
  BOOST_TEST(converted.lead->converted_by.value_or("") == "api");
  BOOST_TEST((converted.reasons == std::vector<std::string>{"api"}));
  sale("SALE_NEW", R"({"order": {"id": 7}})");
  const auto withdrawn = LeadStore(*c).set_converted(a, lead, false);
  BOOST_TEST((withdrawn.reasons == std::vector<std::string>{"sale"}));
  BOOST_TEST(withdrawn.lead->converted);
  BOOST_TEST(LeadStore(*c).stats(a).converted_this_month == 1);
  BOOST_TEST(LeadStore(*c).stats(b).converted == 0);
}
