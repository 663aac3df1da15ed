// How erasure marks (ingest/erased_people.h) bend routing, for the planner: a delivery about a
// person erased everywhere (no tenant having captured them since), or a rule webhook whose tenant
// erased the person, is `erased` before it is routed; one about a person erased everywhere that
// some tenant captured since is `erased` unless it routes to a lead that tenant holds. A route
// that created a lead for a tenant that erased the person is undone (the lead dropped from the
// view) and becomes `erased`, as does a foreign_prefix for that tenant. A lead the tenant holds
// again (captured since: new consent) routes as usual. Pure functions over the RoutingView.
#pragma once

#include <string>

#include "ingest/routing.h"

namespace cf::ingest {

// The route of a delivery kept as `erased`.
Routed erased_route();

// True when the delivery about `contact` (a rule webhook of `rule_tenant`, or an account webhook
// when it is empty) must not be routed at all.
bool erased_before_routing(RoutingView& view, const Contact& contact, const std::string& rule_tenant);

// After route(): when `routed` created a lead for a tenant that erased the person (or that a global
// erasure still keeps from them), drops that lead from `view` and turns `routed` into
// erased_route(); a foreign_prefix for that tenant (its tag on a person another tenant holds)
// becomes erased_route() too, and so does any route but `routed` about a person erased everywhere.
void undo_erased_lead(Routed& routed, const Contact& contact, RoutingView& view);

// False when the delivery, routed as `routed`, must not reach the mirror: it was kept as erased
// about a person erased everywhere.
bool mirrors_after_erasure(const Routed& routed, const Contact& contact, RoutingView& view);

}  // namespace cf::ingest
