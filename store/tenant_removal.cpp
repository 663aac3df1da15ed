#include "store/tenant_removal.h"

#include "store/database.h"
#include "store/queries.h"
#include "store/statements.h"

namespace cf::store {

Result<TenantRemoval> remove_tenant(pqxx::connection& connection, const std::string& id,
                                    const std::string& confirm_prefix, const std::string& by) {
  if (!is_uuid(id)) return invalid_input("tenant id must be a UUID (see `tenant list`)");
  auto tenant = TenantStore(connection).find(id);
  if (!tenant) return tenant.error();
  try {
    pqxx::work tx(connection);
    const auto locked = exec_statement(tx, sql::tenant_delete_lock, id);
    if (locked.empty()) return not_found("no tenant with id " + id);
    const std::string prefix = locked[0][0].as<std::string>();
    if (confirm_prefix != prefix) {
      return conflict("--confirm must be the tenant's prefix (" + prefix + "): nothing was deleted");
    }
    const auto counts = exec_statement1(tx, sql::tenant_delete_scrub, id, by);
    exec_statement(tx, sql::tenant_delete_row, id);
    tx.commit();
    TenantRemoval removal;
    removal.tenant = *tenant;
    removal.leads = counts[0].as<long long>();
    removal.timeline_rows = counts[1].as<long long>();
    removal.outbox_jobs = counts[2].as<long long>();
    removal.assignments = counts[3].as<long long>();
    removal.deliveries = counts[4].as<long long>();
    removal.findings = counts[5].as<long long>();
    return removal;
  } catch (const std::exception& e) {
    return database_error(e, "tenant delete");
  }
}

}  // namespace cf::store
