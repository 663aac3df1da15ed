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
// sql/001 declares and the functions the migrations create (tenant_scope.cpp holds the
// declarations):
// - clientflow_tenant exists, can bypass nothing, is a member of no role and cannot TRUNCATE;
// - clientflow_current_tenant() and the SECURITY DEFINER functions the tenant role may call are
//   the declared ones (body digest, settings); no other SECURITY DEFINER function in any schema
//   is open to the tenant role or fired by its writes (a trigger); no table of the current
//   schema has a rule (its actions run with the table owner's rights);
// - every table of the current schema that has a tenant_id column, row-level security or
//   policies, or that clientflow_tenant may touch, has row-level security enabled and forced and
//   exactly its declared policies (expressions, roles, command, permissive), plus any number of
//   RESTRICTIVE ones, which can only narrow what a role sees;
// - no relation the policies do not bind is open to the tenant role or PUBLIC (a view that runs
//   with its owner's rights, a materialized view, a foreign table, a table in another schema),
//   and no schema the tenant role may use holds a relation or function with the name of one of
//   ours, which its search_path could put first;
// - once the roles are separated (store/database_roles.h), the role this connection runs as can
//   change nothing in the schema, is a member of clientflow_system and clientflow_tenant only
//   (directly or not), and may execute no undeclared SECURITY DEFINER function.
// Tables and functions are found in the catalog, so what later migrations make is covered. A
// failed Status names each problem (table, policy, function or role, never a credential), one
// per line; the daemon is not ready while any remains.
Status check_isolation(pqxx::connection& connection);

}  // namespace cf::store
