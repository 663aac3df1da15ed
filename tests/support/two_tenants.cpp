#include "tests/support/two_tenants.h"

namespace cf::testing {

TwoTenants::TwoTenants(const std::string& name_of_a) {
  db.migrate();
  c = db.connect();
  store::TenantStore tenants(*c);
  a = *tenants.add(*store::TenantDraft::make(name_of_a, "a@example.com", "ib-aaa111-"));
  b = *tenants.add(*store::TenantDraft::make("Sarah", "sarah@example.com", "ib-bbb222-"));
}

}  // namespace cf::testing
