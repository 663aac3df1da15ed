// Deleting a tenant (IB) for good: `tenant delete`. In one transaction, every lead, timeline row,
// outbox job and assignment of the tenant is erased; the stored deliveries routed to it (or sent
// with its rule token) keep their routing facts but lose their body, email and detail; its
// findings resolve; its prefix is retired for ever (no tenant may take it again, and a tag
// carrying it is stored as `retired_prefix`); its credentials stop working. Tags it left at
// Systeme.io stay there, inert. System role; uses the connection it is given, from one thread.
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "common/result.h"
#include "store/tenants.h"

namespace cf::store {

// What a deletion erased, counted.
struct TenantRemoval {
  Tenant tenant;
  long long leads = 0;
  long long timeline_rows = 0;
  long long outbox_jobs = 0;
  long long assignments = 0;  // assignments it was in (left, or gone when it was the only owner)
  long long deliveries = 0;   // stored deliveries that lost their body, email and detail
  long long findings = 0;     // findings resolved
};

// Deletes the tenant `id` when `confirm_prefix` is its prefix, recording `by` on the findings it
// resolves. invalid_input when `id` is not a UUID, not_found when no such tenant, conflict when
// the prefix does not match; nothing changes on any failure.
Result<TenantRemoval> remove_tenant(pqxx::connection& connection, const std::string& id,
                                    const std::string& confirm_prefix, const std::string& by);

}  // namespace cf::store
