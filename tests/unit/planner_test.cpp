// The ingest planner, without a database: what a batch reads, who the rule tokens authorise, which
// deliveries are duplicates, how each routes, and exactly which rows it writes; replays too.
#define BOOST_TEST_MODULE planner
#include <boost/test/unit_test.hpp>

#include "common/crypto.h"
#include "ingest/planner.h"
#include "tests/support/deliveries.h"

using namespace cf::ingest;
using cf::testing::account_delivery;
using cf::testing::contact_body;
using cf::testing::rule_body;
using cf::testing::rule_delivery;
using cf::testing::tag_body;

namespace {

const std::string A = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string B = "bbbbbbbb-0000-4000-8000-000000000002";
const std::string TOKEN_A = "rule-token-of-a";
constexpr cf::EpochMs T0 = 1'800'000'000'000;
constexpr cf::EpochMs SKEW = 300'000;

// A received at T0 + n seconds.
Delivery at(Delivery d, int n) {
  d.received_at = T0 + n * 1000;
  return d;
}

Delivery tag_added(const std::string& message_id, long long contact, const std::string& email, const std::string& tag) {
  return at(account_delivery("CONTACT_TAG_ADDED", tag_body(contact, email, tag), message_id), 0);
}

Delivery opened(const std::string& token, long long contact, const std::string& email, int n = 0) {
  return at(rule_delivery(token, "email-opened", rule_body(contact, email)), n);
}

std::string fingerprint(const std::string& tenant, const Delivery& d) {
  return cf::crypto::to_hex(cf::crypto::sha256(tenant + '\n' + d.event_type + '\n' + d.body));
}

struct World {
  BatchSnapshot snapshot;
  World() {
    snapshot.view.add_tenant({A, "ib-aaa111-"});
    snapshot.view.add_tenant({B, "ib-bbb222-"});
    snapshot.tenant_of_token[TOKEN_A] = A;
  }
  void lead(const std::string& tenant, const std::string& email, long long contact_id) {
    snapshot.view.add_lead({tenant, tenant.substr(0, 8) + "-lead-" + email, email, contact_id});
  }
  // Both steps, with every fingerprint to claim claimed unless `claimed` says otherwise.
  IngestPlan plan(const std::vector<Delivery>& deliveries, std::optional<std::set<std::string>> claimed = {}) {
    Batch batch;
    for (const auto& d : deliveries) batch.push_back(&d);
    const Admission admission = admit(batch, snapshot.tenant_of_token);
    if (!claimed) claimed = std::set<std::string>(admission.fingerprints_to_claim.begin(), admission.fingerprints_to_claim.end());
    return plan_batch(batch, admission, *claimed, snapshot, SKEW);
  }
};

std::vector<Outcome> outcomes(const IngestPlan& plan) {
  std::vector<Outcome> out;
  for (const auto& r : plan.results) out.push_back(r.outcome);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_snapshot_request_names_what_the_batch_touches) {
  const std::vector<Delivery> deliveries{
      tag_added("m1", 7, "x@example.com", "IB-AAA111-demo"),
      at(account_delivery("CONTACT_OPT_IN", R"({"contact":{"id":8,"email":"y@example.com","fields":[]}})", "m2"), 0),
      opened(TOKEN_A, 9, "z@example.com"),
      at(account_delivery("CONTACT_TAG_ADDED", "not json", "m3"), 0)};
  Batch batch;
  for (const auto& d : deliveries) batch.push_back(&d);
  const SnapshotRequest request = snapshot_request(batch, {B});
  BOOST_TEST((request.account_keys == std::vector<std::string>{"msg:m1", "msg:m2", "msg:m3"}));
  BOOST_TEST(request.rule_tokens.size() == 1u);
  BOOST_TEST(request.rule_tokens.at(cf::crypto::to_hex(cf::crypto::sha256(TOKEN_A))) == TOKEN_A);
  BOOST_TEST((request.emails == std::vector<std::string>{"x@example.com", "y@example.com", "z@example.com"}));
  BOOST_TEST((request.contact_ids == std::vector<long long>{7, 8, 9}));
  BOOST_TEST((request.prefixes == std::set<std::string>{"ib-aaa111-"}));
  BOOST_TEST((request.tenant_ids == std::vector<std::string>{B}));
  BOOST_TEST(request.assignments);  // the opt-in names no tenant itself
  BOOST_TEST((request.mirror_tag_contacts == std::vector<long long>{8}));  // it has no tag list
}

BOOST_FIXTURE_TEST_CASE(a_stored_key_or_a_second_copy_in_the_batch_is_a_duplicate, World) {
  snapshot.stored_keys.insert("msg:old");
  const auto plan = this->plan({tag_added("old", 1, "a@example.com", "ib-aaa111-x"), tag_added("new", 2, "b@example.com", "ib-aaa111-x"),
                          tag_added("new", 2, "b@example.com", "ib-aaa111-x")});
  BOOST_TEST((outcomes(plan) == std::vector<Outcome>{Outcome::duplicate, Outcome::stored, Outcome::duplicate}));
  BOOST_REQUIRE(plan.delivery_rows.size() == 1u);
  BOOST_TEST(plan.delivery_rows[0].dedup_key == "msg:new");
  BOOST_TEST(plan.effects.timeline_rows.size() == 1u);
  BOOST_TEST(plan.effects.lead_upserts.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_rule_body_is_new_only_when_its_fingerprint_is_claimed, World) {
  lead(A, "z@example.com", 9);
  const std::vector<Delivery> same_twice{opened(TOKEN_A, 9, "z@example.com", 1), opened(TOKEN_A, 9, "z@example.com", 2)};
  Batch batch{&same_twice[0], &same_twice[1]};
  const Admission admission = admit(batch, snapshot.tenant_of_token);
  const std::string print = fingerprint(A, same_twice[0]);
  BOOST_TEST((admission.fingerprints_to_claim == std::vector<std::string>{print}));  // once for equal bodies
  BOOST_TEST(admission.dedup_keys[0] == "rule:" + print + ":" + std::to_string(T0 + 1000));
  BOOST_TEST(admission.dedup_keys[1] == "rule:" + print + ":" + std::to_string(T0 + 2000));
  BOOST_TEST(admission.results[0].tenant_id == A);

  const auto fresh = plan(same_twice);  // claimed: the first stores, the second is a duplicate
  BOOST_TEST((outcomes(fresh) == std::vector<Outcome>{Outcome::stored, Outcome::duplicate}));
  BOOST_TEST((fresh.results[0].status == RouteStatus::routed));
  BOOST_TEST(fresh.results[1].tenant_id == A);  // a duplicate still names the token's tenant
  BOOST_REQUIRE(fresh.delivery_rows.size() == 1u);
  BOOST_TEST(fresh.delivery_rows[0].rule_tenant_id == A);

  const auto seen = plan(same_twice, std::set<std::string>{});  // seen in the last 10 minutes
  BOOST_TEST((outcomes(seen) == std::vector<Outcome>{Outcome::duplicate, Outcome::duplicate}));
  BOOST_TEST(seen.delivery_rows.empty());
  BOOST_TEST(seen.effects.lead_upserts.empty());
  BOOST_TEST(seen.effects.timeline_rows.empty());
}

BOOST_FIXTURE_TEST_CASE(a_token_no_tenant_holds_is_unauthorized, World) {
  const std::vector<Delivery> deliveries{opened("unknown-token", 9, "z@example.com")};
  Batch batch{&deliveries[0]};
  const Admission admission = admit(batch, snapshot.tenant_of_token);
  BOOST_TEST(admission.fingerprints_to_claim.empty());
  const auto plan = this->plan(deliveries);
  BOOST_TEST((outcomes(plan) == std::vector<Outcome>{Outcome::unauthorized}));
  BOOST_TEST(plan.results[0].tenant_id.empty());
  BOOST_TEST(plan.delivery_rows.empty());
  BOOST_TEST(plan.effects.lead_upserts.empty());
  BOOST_TEST(plan.effects.timeline_rows.empty());
  BOOST_TEST(plan.effects.mirror_upserts.empty());
}

BOOST_FIXTURE_TEST_CASE(every_routing_status, World) {
  lead(B, "foreign@example.com", 3);
  const auto plan = this->plan({
      tag_added("m1", 1, "routed@example.com", "ib-aaa111-demo"),
      at(account_delivery("CONTACT_OPT_IN", contact_body(2, "two@example.com", {"ib-aaa111-a", "ib-bbb222-b"}), "m2"), 0),
      tag_added("m3", 3, "foreign@example.com", "ib-aaa111-demo"),
      opened(TOKEN_A, 4, "nobody@example.com"),
      tag_added("m5", 5, "unknown@example.com", "ib-zzz999-demo"),
      tag_added("m6", 6, "none@example.com", "newsletter"),
      at(account_delivery("SOMETHING_NEW", "{}", "m7"), 0),
      at(account_delivery("CONTACT_TAG_ADDED", "not json", "m8"), 0),
  });
  const std::vector<RouteStatus> expected{RouteStatus::routed,         RouteStatus::ambiguous, RouteStatus::foreign_prefix,
                                          RouteStatus::no_lead,        RouteStatus::unknown_prefix,
                                          RouteStatus::no_prefix,      RouteStatus::unsupported, RouteStatus::malformed};
  BOOST_REQUIRE(plan.results.size() == expected.size());
  BOOST_REQUIRE(plan.delivery_rows.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST((plan.results[i].outcome == Outcome::stored), i);
    BOOST_TEST((plan.results[i].status == expected[i]), i);
    BOOST_TEST((plan.delivery_rows[i].status == expected[i]), i);
    BOOST_TEST(plan.results[i].tenant_id == (i == 0 ? A : ""), i);
    BOOST_TEST(plan.delivery_rows[i].routed_tenant_id == (i == 0 ? A : ""), i);
    BOOST_TEST(plan.delivery_rows[i].detail.empty() == (i == 0), i);  // unrouted rows say why
  }
  BOOST_TEST(plan.effects.lead_upserts.size() == 1u);  // the lead the routed one created
  BOOST_TEST(plan.effects.created_leads.size() == 1u);
  BOOST_TEST(plan.effects.timeline_rows.size() == 1u);
  BOOST_TEST(plan.effects.mirror_upserts.size() == 5u);  // contacts 1, 2, 3, 5, 6: signed events only
}

BOOST_FIXTURE_TEST_CASE(a_tag_event_writes_exactly_its_rows, World) {
  lead(A, "x@example.com", 100);
  Delivery d = at(account_delivery("CONTACT_TAG_ADDED", tag_body(100, "X@example.com", "ib-aaa111-demo"), "m1",
                                   "2027-01-15T08:00:00+00:00"),
                  5);
  const cf::EpochMs stated = *d.parsed.event.occurred_at;
  d.received_at = stated + 2000;  // within the skew: ordered at the time it states
  const auto plan = this->plan({d});

  BOOST_REQUIRE(plan.delivery_rows.size() == 1u);
  const DeliveryRow& row = plan.delivery_rows[0];
  BOOST_TEST(row.dedup_key == "msg:m1");
  BOOST_TEST((row.source == Source::account));
  BOOST_TEST(row.event_type == "CONTACT_TAG_ADDED");
  BOOST_TEST((row.status == RouteStatus::routed));
  BOOST_TEST(row.routed_tenant_id == A);
  BOOST_TEST(row.lead_id == A.substr(0, 8) + "-lead-x@example.com");
  BOOST_TEST(row.rule_tenant_id.empty());
  BOOST_TEST(*row.contact_id == 100);
  BOOST_TEST(row.email == "x@example.com");
  BOOST_TEST(*row.event_at == stated);
  BOOST_TEST(row.received_at == stated + 2000);
  BOOST_TEST(row.body == d.body);
  BOOST_TEST(row.detail.empty());

  BOOST_REQUIRE(plan.effects.lead_upserts.size() == 1u);
  const LeadRecord& lead = plan.effects.lead_upserts[0];
  BOOST_TEST(lead.id == row.lead_id);
  BOOST_TEST(lead.tenant_id == A);
  BOOST_TEST((lead.tags == std::set<std::string>{"ib-aaa111-demo"}));
  BOOST_TEST((lead.tag_clock == std::map<std::string, cf::EpochMs>{{"ib-aaa111-demo", stated}}));
  BOOST_TEST(lead.open_count == 0);
  BOOST_TEST(plan.effects.created_leads.empty());

  BOOST_REQUIRE(plan.effects.timeline_rows.size() == 1u);
  const TimelineRow& entry = plan.effects.timeline_rows[0];
  BOOST_TEST(entry.tenant_id == A);
  BOOST_TEST(entry.lead_id == row.lead_id);
  BOOST_TEST(entry.kind == "tag_added");
  BOOST_TEST(*entry.tag == "ib-aaa111-demo");
  BOOST_TEST(entry.occurred_at == stated);
  BOOST_TEST(entry.received_at == stated + 2000);
  BOOST_TEST(entry.delivery_key == "msg:m1");  // written with its delivery: linked by key
  BOOST_TEST(!entry.delivery_id);

  BOOST_REQUIRE(plan.effects.mirror_upserts.size() == 1u);
  const MirrorRecord& mirror = plan.effects.mirror_upserts[0];
  BOOST_TEST(mirror.contact_id == 100);
  BOOST_TEST(mirror.email == "x@example.com");
  BOOST_TEST((mirror.tags == std::vector<std::string>{"ib-aaa111-demo"}));
  BOOST_TEST(*mirror.snapshot_at == stated);
}

BOOST_FIXTURE_TEST_CASE(a_lead_made_later_in_the_batch_takes_the_rule_webhook_waiting_for_it, World) {
  const auto plan = this->plan({opened(TOKEN_A, 4, "late@example.com", 1),
                                at(tag_added("m1", 4, "late@example.com", "ib-aaa111-demo"), 2)});
  BOOST_TEST((plan.results[0].status == RouteStatus::routed));
  BOOST_TEST((plan.results[1].status == RouteStatus::routed));
  BOOST_REQUIRE(plan.effects.lead_upserts.size() == 1u);
  const LeadRecord& lead = plan.effects.lead_upserts[0];
  BOOST_TEST(lead.email == "late@example.com");
  BOOST_TEST(lead.open_count == 1);
  BOOST_TEST(*lead.last_opened_at == T0 + 1000);  // a rule webhook is ordered by its receipt
  BOOST_REQUIRE(plan.effects.created_leads.size() == 1u);
  BOOST_TEST(plan.effects.created_leads[0].tenant_id == A);
  BOOST_TEST(plan.effects.created_leads[0].lead_id == lead.id);
  BOOST_REQUIRE(plan.effects.timeline_rows.size() == 2u);
  BOOST_TEST(plan.effects.timeline_rows[0].kind == "email-opened");
  BOOST_TEST(plan.effects.timeline_rows[1].kind == "tag_added");
  BOOST_TEST(plan.delivery_rows[0].lead_id == lead.id);
  BOOST_TEST(plan.effects.mirror_upserts.size() == 1u);  // from the signed event only
}

BOOST_FIXTURE_TEST_CASE(a_replay_updates_stored_rows_and_links_the_timeline_by_id, World) {
  StoredDelivery now_routed{41, "unknown_prefix", "",
                            reparse(Source::account, "CONTACT_TAG_ADDED", tag_body(5, "u@example.com", "ib-aaa111-demo"),
                                    T0, T0 + 1000, {})};
  StoredDelivery still{42, "no_prefix", "",
                       reparse(Source::account, "CONTACT_TAG_ADDED", tag_body(6, "n@example.com", "newsletter"), T0, T0, {})};
  const ReplayPlan plan = plan_replay({now_routed, still}, snapshot.view, SKEW);

  BOOST_REQUIRE(plan.updates.size() == 2u);
  BOOST_TEST(plan.updates[0].id == 41);
  BOOST_TEST((plan.updates[0].status == RouteStatus::routed));
  BOOST_TEST(plan.updates[0].routed_tenant_id == A);
  BOOST_TEST(plan.updates[1].id == 42);
  BOOST_TEST((plan.updates[1].status == RouteStatus::no_prefix));
  BOOST_TEST(plan.updates[1].routed_tenant_id.empty());
  BOOST_REQUIRE(plan.changes.size() == 1u);  // the other kept its status
  BOOST_TEST(plan.changes[0].id == 41);
  BOOST_TEST(plan.changes[0].event_type == "CONTACT_TAG_ADDED");
  BOOST_TEST(plan.changes[0].from == "unknown_prefix");
  BOOST_TEST(plan.changes[0].to == "routed");
  BOOST_TEST(plan.changes[0].tenant_id == A);

  BOOST_TEST(plan.effects.lead_upserts.size() == 1u);
  BOOST_TEST(plan.effects.created_leads.size() == 1u);
  BOOST_REQUIRE(plan.effects.timeline_rows.size() == 1u);
  BOOST_TEST(*plan.effects.timeline_rows[0].delivery_id == 41);  // the row exists: linked by id
  BOOST_TEST(plan.effects.timeline_rows[0].occurred_at == T0);
  BOOST_TEST(plan.effects.mirror_upserts.empty());  // a replay leaves the mirror as it is
}
