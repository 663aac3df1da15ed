// Routing: which tenant's lead a Systeme.io event belongs to, and what it changes there. The
// rules (see README "Routing") are applied by route() to a RoutingView: the tenants, leads and
// mirrored contacts one batch of deliveries touches, loaded by the store. route() is pure apart
// from mutating that view, so later deliveries in a batch see the effects of earlier ones and
// tests can exercise every rule without a database. A RoutingView belongs to one thread.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "ingest/erased_people.h"
#include "ingest/event.h"

namespace cf::ingest {

enum class RouteStatus {
  routed,
  ambiguous,       // several tenants could own the contact: no guessing
  foreign_prefix,  // the tag's tenant does not own the contact, another tenant does
  no_lead,         // a rule webhook for a person its tenant has no lead for (kept, routed later)
  unknown_prefix,  // the tag has a tenant-prefix shape that no tenant owns
  retired_prefix,  // the tag carries the prefix of a deleted tenant (retired for ever)
  suspended,       // a rule webhook of a suspended tenant (kept, routed when it resumes)
  no_prefix,       // nothing names a tenant
  unsupported,     // an event type this version does not handle (kept as is)
  malformed,       // signed, but the body cannot be used
  erased,          // about a person erased from ClientFlow (ingest/erased_people.h)
};

// "routed", "ambiguous", ... as stored in webhook_events.status.
const char* status_name(RouteStatus status);

// The statuses of deliveries waiting for an admin (GET /admin/events?status=unrouted, the
// clientflow_deliveries_unrouted gauge, `events replay`): every one but routed, no_lead, which
// routes by itself once its tenant has the lead, and suspended, which routes when its tenant resumes.
const std::vector<RouteStatus>& unrouted_statuses();

struct TenantRef {
  std::string id;
  std::string prefix;
  bool suspended = false;  // its rule webhooks are kept as `suspended`; account webhooks still route
};

struct LeadRecord {
  std::string tenant_id;
  std::string id;
  std::string email;
  std::optional<long long> contact_id;
  std::set<std::string> tags;                // present tags, all with the tenant's prefix
  std::map<std::string, EpochMs> tag_clock;  // tag -> event time of the last change applied
  int open_count = 0;
  std::optional<EpochMs> last_opened_at;
  // From the contact's fields and registeredAt (take_contact_details); written only where the
  // stored lead has none, never over what a capture or an earlier webhook gave.
  std::optional<std::string> name, phone;
  std::optional<EpochMs> registered_at;
  bool created = false;  // new in this batch
  bool changed = false;  // must be written
};

// The admin-only mirror of a Systeme.io contact: every tag and field, whoever owns them.
struct MirrorRecord {
  long long contact_id = 0;
  std::string email;
  std::vector<std::string> tags;
  std::map<std::string, std::string> fields;
  std::optional<EpochMs> snapshot_at;  // event time of the tag snapshot held, if any
  bool changed = false;
};

// An admin's decision on who owns a contact (POST /admin/findings/{id}/assign): contact and sale
// events for it go to these tenants only, whatever its tags and leads say.
struct Assignment {
  std::string email;                     // normalized, empty when assigned by contact id only
  std::optional<long long> contact_id;
  std::vector<std::string> tenant_ids;
};

struct TimelineEntry {
  std::string kind;
  std::optional<std::string> tag;
  EpochMs occurred_at = 0;
};

struct Routed {
  RouteStatus status = RouteStatus::no_prefix;
  std::string tenant_id;  // routed: the owner
  std::string lead_id;    // routed: the lead touched
  std::optional<TimelineEntry> timeline;
  std::string detail;     // for unrouted statuses: what was found, for admins
};

class RoutingView {
 public:
  void add_tenant(TenantRef tenant);
  void add_lead(LeadRecord lead);
  void add_mirror(MirrorRecord mirror);
  void add_assignment(Assignment assignment);
  // A deleted tenant's prefix: its tags are retired_prefix, not unknown_prefix.
  void add_retired_prefix(std::string prefix) { retired_.insert(std::move(prefix)); }
  bool is_retired(const std::string& prefix) const { return retired_.count(prefix) > 0; }

  const TenantRef* tenant_by_prefix(const std::string& prefix) const;
  const TenantRef* tenant_by_id(const std::string& id) const;
  // Every tenant's lead for this person: same contact id, or same email.
  std::vector<LeadRecord*> leads_for(const Contact& contact);
  // The tenant's lead for this person: by contact id, else by email.
  LeadRecord* lead_of(const std::string& tenant_id, const Contact& contact);
  LeadRecord& create_lead(const std::string& tenant_id, const Contact& contact);
  // The assignment for this person: by contact id, else by email; null when there is none.
  const Assignment* assignment_for(const Contact& contact) const;
  MirrorRecord* mirror(long long contact_id);
  MirrorRecord& mirror_for_update(long long contact_id);

  std::deque<LeadRecord>& leads() { return leads_; }
  std::map<long long, MirrorRecord>& mirrors() { return mirrors_; }
  ErasedPeople& erased() { return erased_; }

 private:
  std::map<std::string, TenantRef> by_prefix_;
  std::map<std::string, TenantRef> by_id_;
  std::deque<LeadRecord> leads_;  // deque: pointers stay valid as leads are created
  std::map<long long, MirrorRecord> mirrors_;
  std::vector<Assignment> assignments_;
  ErasedPeople erased_;
  std::set<std::string> retired_;
};

// Routes one parsed event ordered at `at` (ingest::ordered_at: the time tag clocks and the
// timeline record). `rule_tenant_id` is the tenant a rule-webhook token named (empty for account
// webhooks): a rule webhook only ever touches that tenant's existing lead for the person, and is
// no_lead when there is none; it never creates a lead nor sets a lead's contact id or tags.
Routed route(const SystemeEvent& event, const std::string& rule_tenant_id, EpochMs at, RoutingView& view);

// Updates the mirror from a signed event ordered at `at` (a tag snapshot only moves forward).
// Only Systeme.io's own word may reach the mirror: never call it for rule webhooks.
void mirror_event(const SystemeEvent& event, EpochMs at, RoutingView& view);

}  // namespace cf::ingest
