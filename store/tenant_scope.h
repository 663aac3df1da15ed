// The one place tenant-facing SQL gets its row-level security. bind_to_tenant() turns an open
// transaction into a tenant's: it switches to the NOBYPASSRLS role clientflow_tenant and sets
// app.tenant_id, both for this transaction only (SET LOCAL), so every later statement in it sees
// and writes only that tenant's rows whatever its WHERE clause says. When the transaction ends the
// connection is back to the system role. Call it first in the transaction, from its own thread.
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "common/result.h"

namespace cf::store {

inline constexpr const char* kTenantRole = "clientflow_tenant";

// Binds `tx` to tenant `tenant_id` (a UUID). Throws pqxx errors when the role is missing.
void bind_to_tenant(pqxx::transaction_base& tx, const std::string& tenant_id);

}  // namespace cf::store

namespace cf::store {

// Checks the isolation layer as the database holds it now: clientflow_tenant exists and can
// bypass nothing (no SUPERUSER, no BYPASSRLS), and every table with a tenant_id column has row
// level security enabled and forced, with a policy for clientflow_tenant. A failed Status names
// every problem, one per line; the daemon is not ready while any remains.
Status check_isolation(pqxx::connection& connection);

}  // namespace cf::store
