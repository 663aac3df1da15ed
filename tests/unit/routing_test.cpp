// The routing rules, without a database: which tenant an event belongs to, what it changes on
// that tenant's lead, and the unrouted statuses; and how erasure marks bend them
// (ingest/erasure_routing.h).
#define BOOST_TEST_MODULE routing
#include <boost/test/unit_test.hpp>

#include "ingest/delivery.h"
#include "ingest/erasure_routing.h"
#include "ingest/routing.h"

using namespace cf::ingest;

namespace {

const std::string A = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string B = "bbbbbbbb-0000-4000-8000-000000000002";
constexpr cf::EpochMs T0 = 1'800'000'000'000;

struct World {
  RoutingView view;
  World() {
    view.add_tenant({A, "ib-aaa111-"});
    view.add_tenant({B, "ib-bbb222-"});
  }
  void lead(const std::string& tenant, const std::string& email, std::optional<long long> contact_id = {}) {
    LeadRecord record;
    record.tenant_id = tenant;
    record.id = tenant.substr(0, 8) + "-lead-" + email;
    record.email = email;
    record.contact_id = contact_id;
    view.add_lead(record);
  }
  LeadRecord* lead_of(const std::string& tenant, const std::string& email) {
    Contact c;
    c.email = email;
    return view.lead_of(tenant, c);
  }
  int lead_count() { return static_cast<int>(view.leads().size()); }
};

SystemeEvent tag_event(EventKind kind, const std::string& tag, const std::string& email,
                       std::optional<long long> id = 100, std::optional<cf::EpochMs> at = T0) {
  SystemeEvent event;
  event.kind = kind;
  event.tag = tag;
  event.contact.email = email;
  event.contact.id = id;
  event.contact.tags = std::vector<std::string>{};
  event.occurred_at = at;
  return event;
}

// A workflow webhook of `kind` about `email`.
SystemeEvent rule_event(const std::string& kind, const std::string& email) {
  SystemeEvent event;
  event.kind = EventKind::rule;
  event.rule_kind = kind;
  event.contact.email = email;
  return event;
}

SystemeEvent contact_event(EventKind kind, const std::string& email, std::optional<std::vector<std::string>> tags,
                           std::optional<long long> id = 100) {
  SystemeEvent event;
  event.kind = kind;
  event.contact.email = email;
  event.contact.id = id;
  event.contact.tags = std::move(tags);
  event.occurred_at = T0;
  return event;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(tag_event_applies_to_the_owning_tenants_lead, World) {
  lead(A, "x@example.com");
  auto r = route(tag_event(EventKind::tag_added, "ib-aaa111-demo-request", "x@example.com"), "", T0, view);
  BOOST_TEST((r.status == RouteStatus::routed));
  BOOST_TEST(r.tenant_id == A);
  BOOST_TEST(lead_of(A, "x@example.com")->tags.count("ib-aaa111-demo-request") == 1u);
  BOOST_TEST(*lead_of(A, "x@example.com")->contact_id == 100);  // learnt from the event
  BOOST_REQUIRE(r.timeline.has_value());
  BOOST_TEST(r.timeline->kind == "tag_added");
  BOOST_TEST(*r.timeline->tag == "ib-aaa111-demo-request");
  BOOST_TEST(lead_count() == 1);
}

BOOST_FIXTURE_TEST_CASE(tag_event_creates_the_lead_for_a_contact_new_to_clientflow, World) {
  auto r = route(tag_event(EventKind::tag_added, "IB-AAA111-demo-request", "new@example.com"), "", T0, view);
  BOOST_TEST((r.status == RouteStatus::routed));
  BOOST_TEST(lead_count() == 1);
  const LeadRecord* created = lead_of(A, "new@example.com");
  BOOST_REQUIRE(created != nullptr);
  BOOST_TEST(created->created);
  BOOST_TEST(created->tags.count("ib-aaa111-demo-request") == 1u);  // prefix in canonical case
}

BOOST_FIXTURE_TEST_CASE(a_tag_of_tenant_a_never_reaches_bs_lead_nor_creates_one, World) {
  lead(B, "x@example.com", 100);
  auto r = route(tag_event(EventKind::tag_added, "ib-aaa111-demo-request", "x@example.com"), "", T0, view);
  BOOST_TEST((r.status == RouteStatus::foreign_prefix));
  BOOST_TEST(r.tenant_id == A);
  BOOST_TEST(lead_count() == 1);
  BOOST_TEST(lead_of(B, "x@example.com")->tags.empty());
  BOOST_TEST(!lead_of(B, "x@example.com")->changed);
}

BOOST_FIXTURE_TEST_CASE(both_owners_each_get_only_their_own_tags, World) {
  lead(A, "x@example.com", 100);
  lead(B, "x@example.com", 100);
  auto event = tag_event(EventKind::tag_added, "ib-bbb222-engaged", "x@example.com");
  event.contact.tags = std::vector<std::string>{"ib-aaa111-demo-request", "ib-bbb222-demo-request"};
  auto r = route(event, "", T0, view);
  BOOST_TEST((r.status == RouteStatus::routed));
  BOOST_TEST(r.tenant_id == B);
  BOOST_TEST((lead_of(B, "x@example.com")->tags == std::set<std::string>{"ib-bbb222-demo-request", "ib-bbb222-engaged"}));
  BOOST_TEST(lead_of(A, "x@example.com")->tags.empty());
}

BOOST_FIXTURE_TEST_CASE(unknown_and_missing_prefixes, World) {
  auto unknown = route(tag_event(EventKind::tag_added, "ib-zzz999-demo", "x@example.com"), "", T0, view);
  BOOST_TEST((unknown.status == RouteStatus::unknown_prefix));
  auto none = route(tag_event(EventKind::tag_added, "newsletter", "x@example.com"), "", T0, view);
  BOOST_TEST((none.status == RouteStatus::no_prefix));
  BOOST_TEST(lead_count() == 0);
}

BOOST_FIXTURE_TEST_CASE(a_deleted_tenants_prefix_is_retired_not_unknown, World) {
  view.add_retired_prefix("ib-ccc333-");
  auto retired = route(tag_event(EventKind::tag_added, "ib-ccc333-demo-request", "x@example.com"), "", T0, view);
  BOOST_TEST((retired.status == RouteStatus::retired_prefix));
  BOOST_TEST(std::string(status_name(retired.status)) == "retired_prefix");
  // A contact event whose only prefixed tag is retired names no tenant.
  auto contact = route(contact_event(EventKind::contact_created, "x@example.com",
                                     std::vector<std::string>{"ib-ccc333-demo-request"}),
                       "", T0, view);
  BOOST_TEST((contact.status == RouteStatus::no_prefix));
  BOOST_TEST(lead_count() == 0);
}

BOOST_FIXTURE_TEST_CASE(a_suspended_tenants_rule_webhook_is_kept_without_effect_while_its_tags_route, World) {
  view.add_tenant({A, "ib-aaa111-", true});
  lead(A, "x@example.com", 100);
  auto kept = route(rule_event("email-opened", "x@example.com"), A, T0, view);
  BOOST_TEST((kept.status == RouteStatus::suspended));
  BOOST_TEST(kept.tenant_id == A);
  BOOST_TEST(!kept.timeline);
  BOOST_TEST(lead_of(A, "x@example.com")->open_count == 0);
  auto tagged = route(tag_event(EventKind::tag_added, "ib-aaa111-engaged", "x@example.com"), "", T0, view);
  BOOST_TEST((tagged.status == RouteStatus::routed));
  BOOST_TEST((lead_of(A, "x@example.com")->tags == std::set<std::string>{"ib-aaa111-engaged"}));
}

BOOST_FIXTURE_TEST_CASE(an_older_added_after_a_newer_removed_does_not_bring_the_tag_back, World) {
  lead(A, "x@example.com", 100);
  const std::string tag = "ib-aaa111-vip";
  // Each event is routed at its ordering time (ingest::ordered_at): here the time it states.
  route(tag_event(EventKind::tag_added, tag, "x@example.com", 100, T0), "", T0, view);
  route(tag_event(EventKind::tag_removed, tag, "x@example.com", 100, T0 + 2000), "", T0 + 2000, view);
  auto late = route(tag_event(EventKind::tag_added, tag, "x@example.com", 100, T0 + 1000), "", T0 + 1000, view);
  BOOST_TEST((late.status == RouteStatus::routed));  // recorded on the timeline...
  BOOST_TEST(lead_of(A, "x@example.com")->tags.count(tag) == 0u);  // ...but the tag stays removed
  route(tag_event(EventKind::tag_added, tag, "x@example.com", 100, T0 + 3000), "", T0 + 3000, view);
  BOOST_TEST(lead_of(A, "x@example.com")->tags.count(tag) == 1u);
}

BOOST_FIXTURE_TEST_CASE(contact_event_routes_by_the_prefixes_on_its_tags, World) {
  auto r = route(contact_event(EventKind::contact_created, "x@example.com",
                               std::vector<std::string>{"ib-aaa111-demo-request", "ib-unknown1-x", "plain"}),
                 "", T0, view);
  BOOST_TEST((r.status == RouteStatus::routed));  // an unknown prefix does not block routing
  BOOST_TEST(r.tenant_id == A);
  BOOST_TEST(r.timeline->kind == "contact_created");
  BOOST_TEST((lead_of(A, "x@example.com")->tags == std::set<std::string>{"ib-aaa111-demo-request"}));
}

BOOST_FIXTURE_TEST_CASE(contact_event_with_two_tenants_tags_is_ambiguous, World) {
  auto r = route(contact_event(EventKind::contact_opt_in, "x@example.com",
                               std::vector<std::string>{"ib-aaa111-a", "ib-bbb222-b"}),
                 "", T0, view);
  BOOST_TEST((r.status == RouteStatus::ambiguous));
  BOOST_TEST(lead_count() == 0);
}

BOOST_FIXTURE_TEST_CASE(an_assignment_settles_who_owns_a_contact, World) {
  lead(A, "x@example.com", 100);
  lead(B, "x@example.com", 100);
  const auto opt_in = contact_event(EventKind::contact_opt_in, "x@example.com",
                                    std::vector<std::string>{"ib-aaa111-a", "ib-bbb222-b"});
  BOOST_TEST((route(opt_in, "", T0, view).status == RouteStatus::ambiguous));  // before: no guessing

  view.add_assignment({"x@example.com", std::nullopt, {B}});
  auto r = route(opt_in, "", T0, view);
  BOOST_TEST((r.status == RouteStatus::routed));
  BOOST_TEST(r.tenant_id == B);
  BOOST_TEST((lead_of(B, "x@example.com")->tags == std::set<std::string>{"ib-bbb222-b"}));  // its own tags only
  BOOST_TEST(lead_of(A, "x@example.com")->tags.empty());

  // Assigned by contact id, to a tenant with no lead yet: the lead is created there.
  view.add_assignment({"", 300, {A}});
  auto created = route(contact_event(EventKind::sale_new, "new@example.com", std::nullopt, 300), "", T0, view);
  BOOST_TEST((created.status == RouteStatus::routed));
  BOOST_TEST(created.tenant_id == A);
  BOOST_TEST(lead_of(A, "new@example.com") != nullptr);
  BOOST_TEST(lead_count() == 3);

  // Several owners: still one delivery, one owner; it stays held.
  view.add_assignment({"", 400, {A, B}});
  BOOST_TEST((route(contact_event(EventKind::contact_opt_in, "two@example.com", std::nullopt, 400), "", T0, view).status ==
              RouteStatus::ambiguous));
}

BOOST_FIXTURE_TEST_CASE(contact_event_falls_back_to_lead_owners_then_the_owner_field, World) {
  lead(B, "x@example.com");
  auto by_lead = route(contact_event(EventKind::contact_opt_in, "x@example.com", std::vector<std::string>{}), "", T0, view);
  BOOST_TEST((by_lead.status == RouteStatus::routed));
  BOOST_TEST(by_lead.tenant_id == B);

  auto by_field = contact_event(EventKind::contact_created, "y@example.com", std::vector<std::string>{}, 200);
  by_field.contact.fields["ib_owner_id"] = A;
  auto r = route(by_field, "", T0, view);
  BOOST_TEST((r.status == RouteStatus::routed));
  BOOST_TEST(r.tenant_id == A);
  BOOST_TEST(lead_of(A, "y@example.com") != nullptr);

  auto nobody = route(contact_event(EventKind::contact_created, "z@example.com", std::vector<std::string>{}, 300), "", T0, view);
  BOOST_TEST((nobody.status == RouteStatus::no_prefix));

  lead(A, "x@example.com");
  auto two = route(contact_event(EventKind::contact_opt_in, "x@example.com", std::vector<std::string>{}), "", T0, view);
  BOOST_TEST((two.status == RouteStatus::ambiguous));
}

BOOST_FIXTURE_TEST_CASE(sale_without_tags_uses_the_mirror, World) {
  MirrorRecord mirror;
  mirror.contact_id = 445573087;
  mirror.tags = {"ib-bbb222-demo-request"};
  view.add_mirror(mirror);
  auto sale = contact_event(EventKind::sale_new, "buyer@example.com", std::nullopt, 445573087);
  auto r = route(sale, "", T0, view);
  BOOST_TEST((r.status == RouteStatus::routed));
  BOOST_TEST(r.tenant_id == B);
  BOOST_TEST(r.timeline->kind == "sale_new");
}

BOOST_FIXTURE_TEST_CASE(rule_webhook_counts_opens_on_the_token_tenants_lead, World) {
  lead(A, "x@example.com");
  const SystemeEvent open = rule_event("email-opened", "x@example.com");
  auto first = route(open, A, T0, view);
  BOOST_TEST((first.status == RouteStatus::routed));
  route(open, A, T0 + 5000, view);
  const LeadRecord* lead = lead_of(A, "x@example.com");
  BOOST_TEST(lead->open_count == 2);
  BOOST_TEST(*lead->last_opened_at == T0 + 5000);
  BOOST_TEST(first.timeline->kind == "email-opened");

  // B's rule URL for a person only A has: no_lead, as for a person nobody has (foreign_prefix
  // would tell B that another IB has her), and nothing of A's changes.
  const LeadRecord before = *lead;
  auto foreign = route(open, B, T0 + 6000, view);
  BOOST_TEST((foreign.status == RouteStatus::no_lead));
  BOOST_TEST(foreign.tenant_id == B);
  BOOST_TEST(lead_count() == 1);
  BOOST_TEST(lead->open_count == before.open_count);
}

BOOST_FIXTURE_TEST_CASE(rule_webhook_never_creates_a_lead_nor_sets_its_identity_or_tags, World) {
  // A rule token proves only which tenant's workflow claims to speak.
  SystemeEvent forged;
  forged.kind = EventKind::rule;
  forged.rule_kind = "link-clicked";
  forged.contact.id = 555;
  forged.contact.email = "new@example.com";
  forged.contact.tags = std::vector<std::string>{"ib-aaa111-vip"};
  auto none = route(forged, A, T0, view);
  BOOST_TEST((none.status == RouteStatus::no_lead));
  BOOST_TEST(lead_count() == 0);

  // Its own lead, found by email: a timeline entry, but no contact id learnt and no tag set.
  lead(A, "new@example.com");
  auto r = route(forged, A, T0, view);
  BOOST_TEST((r.status == RouteStatus::routed));
  BOOST_TEST(r.timeline->kind == "link-clicked");
  const LeadRecord* mine = lead_of(A, "new@example.com");
  BOOST_TEST(!mine->contact_id.has_value());
  BOOST_TEST(mine->tags.empty());
  BOOST_TEST(!mine->changed);

  // A contact id another tenant's lead carries, with an email nobody has: no_lead, B untouched.
  lead(B, "b-lead@example.com", 777);
  forged.contact.id = 777;
  forged.contact.email = "other@example.com";
  BOOST_TEST((route(forged, A, T0, view).status == RouteStatus::no_lead));
  BOOST_TEST(lead_count() == 2);
}

BOOST_AUTO_TEST_CASE(ordering_time_believes_a_stated_time_only_within_the_skew) {
  constexpr cf::EpochMs skew = 300'000;
  BOOST_TEST(ordered_at(Source::account, T0 - 60'000, T0, skew) == T0 - 60'000);  // the past is believed
  BOOST_TEST(ordered_at(Source::account, T0 + skew, T0, skew) == T0 + skew);      // up to the skew
  BOOST_TEST(ordered_at(Source::account, T0 + skew + 1, T0, skew) == T0);         // beyond: its receipt
  BOOST_TEST(ordered_at(Source::account, std::nullopt, T0, skew) == T0);
  BOOST_TEST(ordered_at(Source::rule, T0 - 60'000, T0, skew) == T0);              // rules: always receipt
  BOOST_TEST(stated_beyond_skew(T0 + skew + 1, T0, skew));
  BOOST_TEST(!stated_beyond_skew(T0 + skew, T0, skew));
  BOOST_TEST(!stated_beyond_skew(std::nullopt, T0, skew));
}

BOOST_FIXTURE_TEST_CASE(mirror_keeps_every_tag_and_moves_forward_only, World) {
  auto newer = tag_event(EventKind::tag_added, "ib-bbb222-x", "x@example.com", 7, T0 + 10);
  newer.contact.tags = std::vector<std::string>{"ib-aaa111-a"};
  mirror_event(newer, T0 + 10, view);
  BOOST_TEST((view.mirror(7)->tags == std::vector<std::string>{"ib-aaa111-a", "ib-bbb222-x"}));
  auto older = contact_event(EventKind::contact_created, "x@example.com", std::vector<std::string>{}, 7);
  mirror_event(older, T0, view);
  BOOST_TEST(view.mirror(7)->tags.size() == 2u);
}

namespace {

// Routes as the planner does, erasure marks included; the status it ends with.
RouteStatus deliver(RoutingView& view, const SystemeEvent& event, const std::string& rule_tenant = "") {
  if (erased_before_routing(view, event.contact, rule_tenant)) return erased_route().status;
  Routed r = route(event, rule_tenant, T0, view);
  undo_erased_lead(r, event.contact, view);
  return r.status;
}

SystemeEvent opened(const std::string& email) {
  SystemeEvent event;
  event.kind = EventKind::rule;
  event.rule_kind = "email-opened";
  event.contact.email = email;
  return event;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_tenant_mark_drops_the_lead_a_webhook_would_create, World) {
  view.erased().add_email(A, "p@example.com");
  BOOST_TEST((deliver(view, tag_event(EventKind::tag_added, "ib-aaa111-webinar", "p@example.com")) == RouteStatus::erased));
  BOOST_TEST(lead_count() == 0);
  BOOST_TEST((deliver(view, opened("p@example.com"), A) == RouteStatus::erased));
  // B never erased the person: its tag creates its lead; A's tag is then kept off B's person.
  BOOST_TEST((deliver(view, tag_event(EventKind::tag_added, "ib-bbb222-webinar", "p@example.com")) == RouteStatus::routed));
  BOOST_TEST((deliver(view, tag_event(EventKind::tag_added, "ib-aaa111-webinar", "p@example.com")) == RouteStatus::erased));
  BOOST_TEST(lead_count() == 1);
  BOOST_TEST(lead_of(B, "p@example.com") != nullptr);
  // Marked by contact id alone, with another email on the event.
  view.erased().add_contact(B, 555);
  BOOST_TEST((deliver(view, tag_event(EventKind::tag_added, "ib-bbb222-x", "new@example.com", 555)) == RouteStatus::erased));
}

BOOST_FIXTURE_TEST_CASE(a_lead_held_again_routes_as_usual, World) {
  view.erased().add_email(A, "p@example.com");
  lead(A, "p@example.com");  // captured again (new consent) before the mark was read
  BOOST_TEST((deliver(view, tag_event(EventKind::tag_added, "ib-aaa111-webinar", "p@example.com")) == RouteStatus::routed));
  BOOST_TEST((deliver(view, opened("p@example.com"), A) == RouteStatus::routed));
}

BOOST_FIXTURE_TEST_CASE(a_global_mark_stops_every_delivery_about_the_person, World) {
  view.erased().add_email("", "p@example.com");
  BOOST_TEST((deliver(view, tag_event(EventKind::tag_added, "ib-bbb222-webinar", "p@example.com")) == RouteStatus::erased));
  BOOST_TEST((deliver(view, opened("p@example.com"), B) == RouteStatus::erased));
  BOOST_TEST(lead_count() == 0);
  BOOST_TEST((deliver(view, tag_event(EventKind::tag_added, "ib-bbb222-webinar", "other@example.com")) == RouteStatus::routed));
  BOOST_TEST(std::string(status_name(RouteStatus::erased)) == "erased");
}

// A global erasure lifted for A (A captured the person since): A's tag routes to A's lead, while
// B's tag, a tag without prefix and B's rule webhook stay `erased`, and no lead is made for B.
BOOST_FIXTURE_TEST_CASE(a_global_mark_lifted_for_one_tenant_stands_for_the_others, World) {
  view.erased().add_email("", "p@example.com", {A});
  view.erased().add_contact("", 555, {A});
  lead(A, "p@example.com");
  BOOST_TEST((deliver(view, tag_event(EventKind::tag_added, "ib-aaa111-webinar", "p@example.com", 555)) ==
              RouteStatus::routed));
  BOOST_TEST((deliver(view, opened("p@example.com"), A) == RouteStatus::routed));
  BOOST_TEST((deliver(view, tag_event(EventKind::tag_added, "ib-bbb222-webinar", "p@example.com", 555)) ==
              RouteStatus::erased));
  BOOST_TEST((deliver(view, tag_event(EventKind::tag_added, "newsletter", "p@example.com", 555)) == RouteStatus::erased));
  BOOST_TEST((deliver(view, opened("p@example.com"), B) == RouteStatus::erased));
  BOOST_TEST(lead_count() == 1);
  // With nobody holding the person, B's tag still makes no lead for B.
  view.leads().clear();
  BOOST_TEST((deliver(view, tag_event(EventKind::tag_added, "ib-bbb222-webinar", "p@example.com", 555)) ==
              RouteStatus::erased));
  BOOST_TEST(lead_count() == 0);
}
