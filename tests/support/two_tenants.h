// TwoTenants: the world most end-to-end tests start from: a migrated test database with two IBs
// (A: ib-aaa111-, B: ib-bbb222-), and the admin token and webhook secret their daemon is
// configured with (write_admin_config).
#pragma once

#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "store/tenants.h"
#include "tests/support/test_database.h"

namespace cf::testing {

struct TwoTenants {
  const std::string admin_token = "admin-token-0123456789-abcdefghijklmnop";
  const std::string secret = "webhook-secret";
  TestDatabase db;
  std::unique_ptr<pqxx::connection> c;
  store::NewTenant a, b;

  explicit TwoTenants(const std::string& name_of_a = "John");
};

}  // namespace cf::testing
