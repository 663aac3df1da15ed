// Re-capture's pure rules (store/recapture.h) and what a webhook's contact gives a lead
// (ingest/contact_details.h): which fields a capture fills or overwrites, when a sync is needed,
// and whose name and phone a lead may take.
#define BOOST_TEST_MODULE recapture
#include <boost/test/unit_test.hpp>

#include "ingest/contact_details.h"
#include "store/recapture.h"

using namespace cf;

namespace {

store::Lead webhook_made() {
  store::Lead lead;
  lead.id = "l1";
  lead.email = "w@example.com";
  lead.name = "Wendy Webb";
  lead.tags = {"ib-aaa111-webinar"};
  return lead;
}

store::LeadInput captured(bool update) {
  store::LeadInput input;
  input.email = "w@example.com";
  input.name = "W. Webb";
  input.ib_type = "forex-ib";
  input.monthly_leads = "0-50";
  input.update = update;
  return input;
}

ingest::Contact contact(std::map<std::string, std::string> fields) {
  ingest::Contact c;
  c.id = 7;
  c.email = "w@example.com";
  c.fields = std::move(fields);
  c.registered_at = 1000;
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_capture_fills_only_what_the_lead_lacks) {
  const auto plan = store::plan_recapture(webhook_made(), captured(false), "ib-aaa111-");
  BOOST_TEST(*plan.lead.name == "Wendy Webb");
  BOOST_TEST(*plan.lead.ib_type == "forex-ib");
  BOOST_TEST(*plan.lead.monthly_leads == "0-50");
  BOOST_TEST(!plan.lead.phone);
  BOOST_TEST(plan.fields_changed);
  BOOST_TEST(plan.sync_needed);  // never synced
}

BOOST_AUTO_TEST_CASE(update_overwrites_every_field_given_and_keeps_the_others) {
  store::Lead lead = webhook_made();
  lead.phone = "+44 20 7946 0001";
  const auto plan = store::plan_recapture(lead, captured(true), "ib-aaa111-");
  BOOST_TEST(*plan.lead.name == "W. Webb");
  BOOST_TEST(*plan.lead.phone == "+44 20 7946 0001");  // not given: kept
}

BOOST_AUTO_TEST_CASE(a_synced_lead_syncs_again_only_for_new_tags_or_a_new_name_or_phone) {
  store::Lead lead = webhook_made();
  lead.ib_type = "forex-ib";
  lead.monthly_leads = "0-50";
  lead.synced_at = "2026-12-01T00:00:00.000Z";
  lead.tags = {"ib-aaa111-demo-request", "ib-aaa111-forex-ib"};
  const auto same = store::plan_recapture(lead, captured(false), "ib-aaa111-");
  BOOST_TEST(!same.fields_changed);
  BOOST_TEST(!same.sync_needed);
  auto bigger = captured(true);
  bigger.name = "Wendy Webb";
  bigger.monthly_leads = "500+";
  const auto volume = store::plan_recapture(lead, bigger, "ib-aaa111-");
  BOOST_TEST(volume.fields_changed);
  BOOST_TEST(volume.sync_needed);  // ib-aaa111-high-volume is new
  auto renamed = captured(true);
  renamed.name = "Wendy Webb-Smith";
  BOOST_TEST(store::plan_recapture(lead, renamed, "ib-aaa111-").sync_needed);
}

BOOST_AUTO_TEST_CASE(a_webhook_lead_takes_name_and_phone_only_from_an_unowned_or_own_contact) {
  ingest::LeadRecord lead;
  lead.tenant_id = "tenant-a";
  ingest::take_contact_details(lead, contact({{"first_name", "Wendy"}, {"surname", " Webb "}, {"phone_number", "+44 20 7946 0001"}}));
  BOOST_TEST(*lead.name == "Wendy Webb");
  BOOST_TEST(*lead.phone == "+44 20 7946 0001");
  BOOST_TEST(*lead.registered_at == 1000);

  ingest::LeadRecord own;
  own.tenant_id = "tenant-a";
  ingest::take_contact_details(own, contact({{"full_name", "Carla Cruz"}, {"ib_owner_id", "tenant-a"}, {"phone_number", "x"}}));
  BOOST_TEST(*own.name == "Carla Cruz");
  BOOST_TEST(!own.phone);  // not a phone number

  ingest::LeadRecord other;
  other.tenant_id = "tenant-a";
  ingest::take_contact_details(other, contact({{"full_name", "Bob"}, {"phone_number", "+1 555 0100"}, {"ib_owner_id", "tenant-b"}}));
  BOOST_TEST(!other.name);
  BOOST_TEST(!other.phone);
  BOOST_TEST(*other.registered_at == 1000);  // Systeme.io's own word, no IB's
}
