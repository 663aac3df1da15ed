#include "store/tenant_scope.h"

namespace cf::store {

void bind_to_tenant(pqxx::transaction_base& tx, const std::string& tenant_id) {
  tx.exec0(std::string("SET LOCAL ROLE ") + kTenantRole);
  tx.exec_params("SELECT set_config('app.tenant_id', $1, true)", tenant_id);
}

}  // namespace cf::store

namespace cf::store {

Status check_isolation(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  std::string problems;
  const auto add = [&](const std::string& problem) { problems += (problems.empty() ? "" : "\n") + problem; };

  const auto role = tx.exec_params(
      "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", std::string(kTenantRole));
  if (role.empty()) {
    add(std::string("role ") + kTenantRole + " is missing; run migrate");
  } else if (role[0][0].as<bool>() || role[0][1].as<bool>()) {
    add(std::string("role ") + kTenantRole +
        " can bypass row-level security (SUPERUSER or BYPASSRLS); run ALTER ROLE " + kTenantRole +
        " NOSUPERUSER NOBYPASSRLS");
  }

  const auto tables = tx.exec_params(R"sql(
      SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
             EXISTS (SELECT 1 FROM pg_policy p
                      WHERE p.polrelid = c.oid
                        AND (SELECT oid FROM pg_roles WHERE rolname = $1) = ANY (p.polroles))
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema()
         AND c.relkind IN ('r', 'p')
         AND EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
         AND NOT c.relispartition
       ORDER BY c.relname)sql",
                                     std::string(kTenantRole));
  for (const auto& row : tables) {
    const std::string table = row[0].as<std::string>();
    if (!row[1].as<bool>()) add("table " + table + " has row-level security disabled");
    if (!row[2].as<bool>()) add("table " + table + " does not force row-level security");
    if (!row[3].as<bool>()) add("table " + table + " has no policy for " + kTenantRole);
  }
  if (!problems.empty()) return internal_error(problems);
  return Status::success();
}

}  // namespace cf::store
