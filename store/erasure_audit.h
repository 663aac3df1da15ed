// ErasureAudit: the audit of erasures for admins (GET /admin/erasures), newest first, a page at a
// time: one entry per erasure (who, when, scope, the tenant of a tenant's DELETE, what was erased,
// counted), never the email nor a contact id. System role; uses the connection it is given.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "store/erasure.h"

namespace cf::store {

struct ErasureFilter {
  std::string scope;      // "tenant", "global", or empty for both
  std::string tenant_id;  // the tenant whose DELETEs (scope tenant) to list (a UUID), or empty
};

// The audit's scopes: a tenant's DELETE /v1/leads/{id} (`tenant`), an admin's `erase` (`global`).
const std::vector<std::string>& erasure_scopes();

struct ErasurePage {
  std::vector<ErasureRecord> items;
  std::optional<long long> next_after;  // the last entry's id while more follow
};

// Up to `limit` entries older than `after` (an entry's id; nullopt for the newest), newest first.
ErasurePage page_erasures(pqxx::transaction_base& tx, const ErasureFilter& filter, int limit,
                          std::optional<long long> after);

}  // namespace cf::store
