// Assigning a contact's owners: an admin settles a shared_contact or foreign_prefix finding by
// naming the tenants that own the contact from now on. The missing leads are created, ingest then
// routes the contact's contact and sale events to those tenants only (one tenant: routed there;
// several: each keeps its lead, and events naming no tenant stay held), the deliveries held
// because of the finding are routed again, and the finding is resolved. It stays resolved while
// its evidence is what the admin saw; a change (a third tenant capturing the person) reopens it.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/result.h"
#include "reconcile/findings.h"
#include "store/ingest_store.h"

namespace cf::reconcile {

struct Assigned {
  Finding finding;           // after the change
  store::ReplayPage replay;  // the held deliveries routed again, and what changed
};

// One transaction. invalid_input: an empty `by`, no tenants, an unknown tenant id, or a finding
// of another kind; not_found: no such finding.
Result<Assigned> assign_finding(pqxx::connection& connection, long long id, const std::string& by,
                                const std::string& note, const std::vector<std::string>& tenant_ids);

}  // namespace cf::reconcile
