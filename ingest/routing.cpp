#include "ingest/routing.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/tag_prefix.h"
#include "ingest/contact_details.h"

namespace cf::ingest {

const char* status_name(RouteStatus status) {
  switch (status) {
    case RouteStatus::routed: return "routed";
    case RouteStatus::ambiguous: return "ambiguous";
    case RouteStatus::foreign_prefix: return "foreign_prefix";
    case RouteStatus::no_lead: return "no_lead";
    case RouteStatus::unknown_prefix: return "unknown_prefix";
    case RouteStatus::retired_prefix: return "retired_prefix";
    case RouteStatus::suspended: return "suspended";
    case RouteStatus::no_prefix: return "no_prefix";
    case RouteStatus::unsupported: return "unsupported";
    case RouteStatus::malformed: return "malformed";
    case RouteStatus::erased: return "erased";
  }
  return "malformed";
}

const std::vector<RouteStatus>& unrouted_statuses() {
  static const std::vector<RouteStatus> statuses{RouteStatus::ambiguous,      RouteStatus::foreign_prefix,
                                                 RouteStatus::unknown_prefix, RouteStatus::retired_prefix,
                                                 RouteStatus::no_prefix,
                                                 RouteStatus::unsupported,    RouteStatus::malformed};
  return statuses;
}

// --- RoutingView -----------------------------------------------------------------------------

void RoutingView::add_tenant(TenantRef tenant) {
  by_prefix_[tenant.prefix] = tenant;
  by_id_[tenant.id] = std::move(tenant);
}

void RoutingView::add_lead(LeadRecord lead) { leads_.push_back(std::move(lead)); }

void RoutingView::add_mirror(MirrorRecord mirror) {
  const long long id = mirror.contact_id;
  mirrors_[id] = std::move(mirror);
}

const TenantRef* RoutingView::tenant_by_prefix(const std::string& prefix) const {
  const auto found = by_prefix_.find(prefix);
  return found == by_prefix_.end() ? nullptr : &found->second;
}

const TenantRef* RoutingView::tenant_by_id(const std::string& id) const {
  const auto found = by_id_.find(id);
  return found == by_id_.end() ? nullptr : &found->second;
}

namespace {
bool same_person(const LeadRecord& lead, const Contact& contact) {
  return (contact.id && lead.contact_id == contact.id) || (!contact.email.empty() && lead.email == contact.email);
}
}  // namespace

std::vector<LeadRecord*> RoutingView::leads_for(const Contact& contact) {
  std::vector<LeadRecord*> out;
  for (auto& lead : leads_) {
    if (same_person(lead, contact)) out.push_back(&lead);
  }
  return out;
}

void RoutingView::add_assignment(Assignment assignment) { assignments_.push_back(std::move(assignment)); }

const Assignment* RoutingView::assignment_for(const Contact& contact) const {
  const Assignment* by_email = nullptr;
  for (const auto& assignment : assignments_) {
    if (contact.id && assignment.contact_id == contact.id) return &assignment;
    if (!contact.email.empty() && assignment.email == contact.email) by_email = &assignment;
  }
  return by_email;
}

LeadRecord* RoutingView::lead_of(const std::string& tenant_id, const Contact& contact) {
  LeadRecord* by_email = nullptr;
  for (auto& lead : leads_) {
    if (lead.tenant_id != tenant_id) continue;
    if (contact.id && lead.contact_id == contact.id) return &lead;
    if (!contact.email.empty() && lead.email == contact.email) by_email = &lead;
  }
  return by_email;
}

LeadRecord& RoutingView::create_lead(const std::string& tenant_id, const Contact& contact) {
  LeadRecord lead;
  lead.tenant_id = tenant_id;
  lead.id = crypto::random_uuid();
  lead.email = contact.email;
  lead.contact_id = contact.id;
  lead.created = true;
  lead.changed = true;
  take_contact_details(lead, contact);
  leads_.push_back(std::move(lead));
  return leads_.back();
}

MirrorRecord* RoutingView::mirror(long long contact_id) {
  const auto found = mirrors_.find(contact_id);
  return found == mirrors_.end() ? nullptr : &found->second;
}

MirrorRecord& RoutingView::mirror_for_update(long long contact_id) {
  auto& record = mirrors_[contact_id];
  record.contact_id = contact_id;
  return record;
}

// --- rules -----------------------------------------------------------------------------------

namespace {

Routed unrouted(RouteStatus status, std::string detail, std::string tenant_id = {}) {
  Routed out;
  out.status = status;
  out.detail = std::move(detail);
  out.tenant_id = std::move(tenant_id);
  return out;
}

Routed routed(const LeadRecord& lead, TimelineEntry entry) {
  Routed out;
  out.status = RouteStatus::routed;
  out.tenant_id = lead.tenant_id;
  out.lead_id = lead.id;
  out.timeline = std::move(entry);
  return out;
}

// The tag with its prefix in canonical (lower) case; tags of other prefixes unchanged.
std::string canonical_tag(const std::string& tag) {
  const auto prefix = TagPrefix::of_tag(tag);
  return prefix ? prefix->str() + tag.substr(prefix->str().size()) : tag;
}

// Sets a tag's presence if this event is not older than the last change applied to it.
// `strictly_newer` is used for snapshots, which lose ties to explicit tag events.
void apply_tag(LeadRecord& lead, const std::string& tag, bool present, EpochMs at, bool strictly_newer) {
  const auto clock = lead.tag_clock.find(tag);
  if (clock != lead.tag_clock.end() && (strictly_newer ? clock->second >= at : clock->second > at)) return;
  const bool had = lead.tags.count(tag) > 0;
  if (present) lead.tags.insert(tag);
  else lead.tags.erase(tag);
  if (clock == lead.tag_clock.end() || clock->second != at || had != present) {
    lead.tag_clock[tag] = at;
    lead.changed = true;
  }
}

// A contact's tag list is a snapshot: the lead's own-prefix tags become those it lists.
void apply_snapshot(LeadRecord& lead, const TenantRef& tenant, const std::optional<std::vector<std::string>>& tags,
                    EpochMs at) {
  if (!tags) return;
  std::set<std::string> own;
  for (const auto& tag : *tags) {
    const auto prefix = TagPrefix::of_tag(tag);
    if (prefix && prefix->str() == tenant.prefix) own.insert(canonical_tag(tag));
  }
  for (const auto& tag : own) apply_tag(lead, tag, true, at, true);
  const std::set<std::string> current = lead.tags;
  for (const auto& tag : current) {
    if (own.count(tag) == 0) apply_tag(lead, tag, false, at, true);
  }
}

void fill_identity(LeadRecord& lead, const Contact& contact) {
  take_contact_details(lead, contact);
  if (!lead.contact_id && contact.id) {
    lead.contact_id = contact.id;
    lead.changed = true;
  }
}

// The tenant's lead for the contact, created when nobody owns the contact yet. nullptr when
// another tenant owns it (the caller reports foreign_prefix). `no_email` is set when a lead
// would have to be created but the event carries no email.
LeadRecord* claim_lead(RoutingView& view, const std::string& tenant_id, const Contact& contact, bool& no_email) {
  no_email = false;
  if (LeadRecord* lead = view.lead_of(tenant_id, contact)) {
    fill_identity(*lead, contact);
    return lead;
  }
  if (!view.leads_for(contact).empty()) return nullptr;
  if (contact.email.empty()) {
    no_email = true;
    return nullptr;
  }
  return &view.create_lead(tenant_id, contact);
}

Routed claim_failure(const std::string& tenant_id, bool no_email) {
  if (no_email) return unrouted(RouteStatus::malformed, "contact has no email, so no lead can be created", tenant_id);
  return unrouted(RouteStatus::foreign_prefix, "the contact is owned by another tenant", tenant_id);
}

Routed route_tag_event(const SystemeEvent& event, EpochMs at, RoutingView& view) {
  const std::string& tag = *event.tag;
  const auto prefix = TagPrefix::of_tag(tag);
  if (!prefix) return unrouted(RouteStatus::no_prefix, "tag has no tenant prefix");
  const TenantRef* tenant = view.tenant_by_prefix(prefix->str());
  if (tenant == nullptr && view.is_retired(prefix->str())) {
    return unrouted(RouteStatus::retired_prefix, "prefix " + prefix->str() + " belonged to a deleted tenant");
  }
  if (tenant == nullptr) return unrouted(RouteStatus::unknown_prefix, "no tenant has prefix " + prefix->str());
  bool no_email = false;
  LeadRecord* lead = claim_lead(view, tenant->id, event.contact, no_email);
  if (lead == nullptr) return claim_failure(tenant->id, no_email);
  apply_snapshot(*lead, *tenant, event.contact.tags, at);
  const std::string own_tag = canonical_tag(tag);
  apply_tag(*lead, own_tag, event.kind == EventKind::tag_added, at, false);
  return routed(*lead, {timeline_kind(event.kind), own_tag, at});
}

// A rule token proves only which tenant's workflow claims to speak: its webhook may add to that
// tenant's existing lead for the person, nothing more. Whether another tenant has the person is
// not told (no_lead either way).
Routed route_rule_event(const SystemeEvent& event, const std::string& tenant_id, EpochMs at, RoutingView& view) {
  const TenantRef* tenant = view.tenant_by_id(tenant_id);
  if (tenant != nullptr && tenant->suspended) {
    return unrouted(RouteStatus::suspended, "the tenant is suspended: routed when it resumes", tenant_id);
  }
  LeadRecord* lead = view.lead_of(tenant_id, event.contact);
  if (lead == nullptr) return unrouted(RouteStatus::no_lead, "this tenant has no lead for the contact yet", tenant_id);
  if (event.rule_kind == "email-opened") {
    lead->open_count += 1;
    if (!lead->last_opened_at || *lead->last_opened_at < at) lead->last_opened_at = at;
    lead->changed = true;
  }
  return routed(*lead, {timeline_kind(event.kind, event.rule_kind), std::nullopt, at});
}

Routed route_contact_event(const SystemeEvent& event, EpochMs at, RoutingView& view) {
  const Contact& contact = event.contact;
  const TimelineEntry entry{timeline_kind(event.kind), std::nullopt, at};

  // 0. An admin assigned the contact: its owners are settled.
  if (const Assignment* assigned = view.assignment_for(contact)) {
    if (assigned->tenant_ids.size() > 1) {
      return unrouted(RouteStatus::ambiguous, "assigned to " + std::to_string(assigned->tenant_ids.size()) + " tenants");
    }
    if (const TenantRef* tenant = view.tenant_by_id(assigned->tenant_ids.front())) {
      LeadRecord* lead = view.lead_of(tenant->id, contact);
      if (lead == nullptr) {
        if (contact.email.empty()) return claim_failure(tenant->id, true);
        lead = &view.create_lead(tenant->id, contact);
      }
      fill_identity(*lead, contact);
      apply_snapshot(*lead, *tenant, contact.tags, at);
      return routed(*lead, entry);
    }
  }

  // 1. The tenants whose prefixes the contact's tags carry (the body's, else the mirror's).
  std::vector<std::string> tags;
  if (contact.tags) {
    tags = *contact.tags;
  } else if (contact.id) {
    if (const MirrorRecord* mirror = view.mirror(*contact.id)) tags = mirror->tags;
  }
  std::set<std::string> by_tag;
  for (const auto& tag : tags) {
    const auto prefix = TagPrefix::of_tag(tag);
    if (!prefix) continue;
    if (const TenantRef* tenant = view.tenant_by_prefix(prefix->str())) by_tag.insert(tenant->id);
  }
  if (by_tag.size() > 1) {
    return unrouted(RouteStatus::ambiguous, "tags of " + std::to_string(by_tag.size()) + " tenants");
  }
  if (by_tag.size() == 1) {
    const TenantRef* tenant = view.tenant_by_id(*by_tag.begin());
    bool no_email = false;
    LeadRecord* lead = claim_lead(view, tenant->id, contact, no_email);
    if (lead == nullptr) return claim_failure(tenant->id, no_email);
    apply_snapshot(*lead, *tenant, contact.tags, at);
    return routed(*lead, entry);
  }

  // 2. The tenants that already have this person as a lead.
  std::set<std::string> by_lead;
  for (const LeadRecord* lead : view.leads_for(contact)) by_lead.insert(lead->tenant_id);
  if (by_lead.size() > 1) {
    return unrouted(RouteStatus::ambiguous, "a lead of " + std::to_string(by_lead.size()) + " tenants");
  }
  if (by_lead.size() == 1) {
    LeadRecord* lead = view.lead_of(*by_lead.begin(), contact);
    fill_identity(*lead, contact);
    return routed(*lead, entry);
  }

  // 3. The tenant the contact's ib_owner_id field names.
  const auto owner = contact.fields.find("ib_owner_id");
  if (owner != contact.fields.end()) {
    if (const TenantRef* tenant = view.tenant_by_id(owner->second)) {
      bool no_email = false;
      LeadRecord* lead = claim_lead(view, tenant->id, contact, no_email);
      if (lead == nullptr) return claim_failure(tenant->id, no_email);
      return routed(*lead, entry);
    }
  }
  return unrouted(RouteStatus::no_prefix, "no tag, lead or owner field names a tenant");
}

}  // namespace

Routed route(const SystemeEvent& event, const std::string& rule_tenant_id, EpochMs at, RoutingView& view) {
  switch (event.kind) {
    case EventKind::tag_added:
    case EventKind::tag_removed:
      return route_tag_event(event, at, view);
    case EventKind::rule:
      return route_rule_event(event, rule_tenant_id, at, view);
    default:
      return route_contact_event(event, at, view);
  }
}

void mirror_event(const SystemeEvent& event, EpochMs at, RoutingView& view) {
  if (!event.contact.id) return;
  const bool is_new = view.mirror(*event.contact.id) == nullptr;
  MirrorRecord& mirror = view.mirror_for_update(*event.contact.id);
  const MirrorRecord before = mirror;
  if (!event.contact.email.empty()) mirror.email = event.contact.email;
  if (!mirror.snapshot_at || at >= *mirror.snapshot_at) {  // never go back to an older snapshot
    if (event.contact.tags) mirror.tags = *event.contact.tags;
    if (event.tag) {
      auto found = std::find(mirror.tags.begin(), mirror.tags.end(), *event.tag);
      if (event.kind == EventKind::tag_added && found == mirror.tags.end()) mirror.tags.push_back(*event.tag);
      if (event.kind == EventKind::tag_removed && found != mirror.tags.end()) mirror.tags.erase(found);
    }
    for (const auto& [slug, value] : event.contact.fields) mirror.fields[slug] = value;
    if (event.contact.tags || event.tag) mirror.snapshot_at = at;
  }
  // Written only when something changed, the snapshot's event time included (it orders later events).
  if (is_new || mirror.email != before.email || mirror.tags != before.tags || mirror.fields != before.fields ||
      mirror.snapshot_at != before.snapshot_at) {
    mirror.changed = true;
  }
}

}  // namespace cf::ingest
