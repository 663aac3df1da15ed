#include "store/tenant_scope.h"

#include <optional>
#include <string_view>
#include <vector>

#include "store/database_roles.h"
#include "store/isolation_checks.h"

namespace cf::store {

void bind_to_tenant(pqxx::transaction_base& tx, const std::string& tenant_id) {
  static_assert(std::string_view(kTenantRole) == "clientflow_tenant", "the role SET LOCAL ROLE names");
  tx.exec0("SET LOCAL ROLE clientflow_tenant");
  tx.exec_params("SELECT set_config('app.tenant_id', $1, true), set_config('statement_timeout', $2, true)", tenant_id,
                 std::to_string(kTenantStatementSeconds) + "s");
}

// What follows is the proof that bind_to_tenant() is enough: the declarations check_isolation()
// compares the database with (store/isolation_checks.h holds the comparisons).

namespace {

// The row-level security sql/001 declares. Tables made later get theirs from the same SQL
// functions, so adding a table needs no change here; a new kind of table would add a list.
const DeclaredPolicy kSystemAll{"system_all", "clientflow_system", "true", "true"};
const DeclaredPolicy kTenantIsolation{"tenant_isolation", kTenantRole, "(tenant_id = clientflow_current_tenant())",
                                      "(tenant_id = clientflow_current_tenant())"};
const DeclaredPolicy kTenantSelf{"tenant_self", kTenantRole, "(id = clientflow_current_tenant())", nullptr};

const DeclaredTables kDeclaredTables{
    // Tables with a tenant_id column (clientflow_isolate_tenant_table).
    {kTenantIsolation, kSystemAll},
    // tenants: a tenant sees its own row.
    {kTenantSelf, kSystemAll},
    // Every other table with row-level security or policies, or that the tenant role may touch
    // (clientflow_system_table).
    {kSystemAll},
};

// The functions the policies and the tenant role rely on, as their migrations create them. Any
// other SECURITY DEFINER function that the tenant role (or, once the roles are separated, the
// runtime role) may execute fails the check; a migration that adds one, or replaces one of these,
// declares it here. A body's digest comes from the migrated database:
//   SELECT encode(sha256(convert_to(prosrc, 'UTF8')), 'hex') FROM pg_proc WHERE proname = '...'
constexpr const char* kPinnedSearchPath = "search_path=pg_catalog, public";
constexpr const char* kRunsAsOwner = "it runs with its owner's rights for clientflow_tenant";

const std::vector<DeclaredFunction> kDeclaredFunctions{
    // sql/001
    {"clientflow_current_tenant", "", false, "6eabf37091388ca39003486d896de990a3e86e4396dc96e1191c316dc5994722", "",
     "it decides which rows a tenant sees"},
    // sql/003
    {"clientflow_lead_exists_elsewhere", "text", true,
     "034c5ab0df153fe29e05bb229d0f016ede401eb5d87b424bcb885c1588269be5", kPinnedSearchPath, kRunsAsOwner},
    // sql/006
    {"clientflow_route_waiting_rule_deliveries", "uuid, uuid", true,
     "4b0424d3ce72fac79c4252852deb00b8b8c9156207740c0ec536ed04ac1d2f30", kPinnedSearchPath, kRunsAsOwner},
    // sql/011, replaced by sql/017 (a lead's erasure ends its tenant's lifts of global erasures)
    {"clientflow_erase_tenant_lead", "uuid, uuid, text, bigint, bytea, bytea, jsonb", true,
     "9dda2b55947e88ad0363466adbd55b05725d335606dc5dc8d5a21d3aefc9c488", kPinnedSearchPath, kRunsAsOwner},
    // sql/011, replaced by sql/015 (a capture lifts a global erasure for its own tenant only)
    {"clientflow_lift_erasure_marks", "uuid, bytea", true,
     "bc84abb556d3ac807e5c14e7ebe2f3ba3af47968c6653dfd24894705fe2ca74c", kPinnedSearchPath, kRunsAsOwner},
};

}  // namespace

Status check_isolation(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  Problems problems;
  const std::string tenant_role = kTenantRole;
  if (!tx.exec_params1("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", tenant_role)[0].as<bool>()) {
    problems.add("role " + tenant_role + " is missing; run migrate");
    return problems.status();
  }
  for (const auto& power : role_powers(tx, tenant_role, {})) problems.add(power);
  std::optional<std::string> runtime_role;
  if (roles_separated(tx)) {
    runtime_role = tx.exec1("SELECT current_user")[0].as<std::string>();
    for (const auto& power : role_powers(tx, *runtime_role, kRuntimeMemberships)) problems.add(power);
  }
  check_declared_functions(tx, kDeclaredFunctions, problems);
  check_security_definers(tx, kDeclaredFunctions, tenant_role, runtime_role, problems);
  check_actions_fired_by_tenants(tx, kDeclaredFunctions, tenant_role, problems);
  check_tables(tx, kDeclaredTables, tenant_role, problems);
  check_relations_past_the_policies(tx, tenant_role, problems);
  check_shadows(tx, tenant_role, problems);
  return problems.status();
}

}  // namespace cf::store
