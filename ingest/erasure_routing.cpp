#include "ingest/erasure_routing.h"

#include <algorithm>

namespace cf::ingest {

Routed erased_route() {
  Routed out;
  out.status = RouteStatus::erased;
  return out;
}

bool erased_before_routing(RoutingView& view, const Contact& contact, const std::string& rule_tenant) {
  if (view.erased().empty()) return false;
  if (view.erased().everywhere(contact)) return true;
  // A rule webhook never creates a lead; one its tenant's workflow sends about a person the
  // tenant erased would wait (no_lead) for a lead that only a new capture may bring.
  return !rule_tenant.empty() && view.erased().for_tenant(rule_tenant, contact) &&
         view.lead_of(rule_tenant, contact) == nullptr;
}

namespace {

// The tenant's part: a lead created for a tenant kept from the person is dropped, its tag on a
// person another tenant holds (foreign_prefix) kept as erased.
void undo_for_tenant(Routed& routed, const Contact& contact, RoutingView& view) {
  if (routed.tenant_id.empty() || !view.erased().for_tenant(routed.tenant_id, contact)) return;
  if (routed.status == RouteStatus::foreign_prefix) {  // the erasing tenant's tag, on another's person
    routed = erased_route();
    return;
  }
  if (routed.status != RouteStatus::routed) return;
  auto& leads = view.leads();
  const auto created = std::find_if(leads.begin(), leads.end(), [&](const LeadRecord& lead) {
    return lead.created && lead.tenant_id == routed.tenant_id && lead.id == routed.lead_id;
  });
  if (created == leads.end()) return;  // the tenant holds the person again: routed as usual
  leads.erase(created);
  routed = erased_route();
}

}  // namespace

void undo_erased_lead(Routed& routed, const Contact& contact, RoutingView& view) {
  if (view.erased().empty()) return;
  undo_for_tenant(routed, contact, view);
  // A global erasure that some tenant has lifted still stands for everyone else: only a route to
  // a lead of a tenant that captured the person since keeps the delivery whole.
  if (routed.status != RouteStatus::routed && view.erased().marked_everywhere(contact)) routed = erased_route();
}

bool mirrors_after_erasure(const Routed& routed, const Contact& contact, RoutingView& view) {
  return routed.status != RouteStatus::erased || !view.erased().marked_everywhere(contact);
}

}  // namespace cf::ingest
