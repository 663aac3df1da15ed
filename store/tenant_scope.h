// The one place tenant-facing SQL gets its row-level security. bind_to_tenant() turns an open
// transaction into a tenant's: it switches to the NOBYPASSRLS role clientflow_tenant and sets
// app.tenant_id, both for this transaction only (SET LOCAL), so every later statement in it sees
// and writes only that tenant's rows whatever its WHERE clause says. It also bounds each later
// statement to kTenantStatementSeconds (statement_timeout, SET LOCAL too), so no statement of a
// tenant's request holds the connection longer, however expensive: PostgreSQL cancels it (see
// store::is_query_cancelled), the transaction is lost, the connection is not. When the
// transaction ends the connection is back to the system role and its own statement_timeout.
// Call it first in the transaction, from its own thread.
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "common/result.h"

namespace cf::store {

inline constexpr const char* kTenantRole = "clientflow_tenant";
// How long one statement of a tenant-bound transaction may run, lock waits included.
inline constexpr int kTenantStatementSeconds = 3;

// Binds `tx` to tenant `tenant_id` (a UUID) and bounds its statements. Throws pqxx errors when the
// role is missing.
void bind_to_tenant(pqxx::transaction_base& tx, const std::string& tenant_id);

}  // namespace cf::store

namespace cf::store {

// Checks the isolation layer as the database holds it now, against the row-level security that
// sql/001 declares (tenant_scope.cpp holds the declaration): clientflow_tenant exists, can
// bypass nothing, is no member of clientflow_system and cannot TRUNCATE; clientflow_current_tenant()
// is the declared function; every table of the current schema that has a tenant_id column,
// row-level security or policies, or that clientflow_tenant may touch, has row-level security
// enabled and forced and exactly its declared policies (expressions, roles, command,
// permissive), plus any number of RESTRICTIVE ones, which can only narrow what a role sees.
// Tables are found in the catalog, so tables made by later migrations are covered. Once the
// roles are separated (store/database_roles.h), the role this connection runs as must not be
// able to change the schema either. A failed Status names each problem (table and policy, never
// a credential), one per line; the daemon is not ready while any remains.
Status check_isolation(pqxx::connection& connection);

}  // namespace cf::store
