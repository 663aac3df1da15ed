// RuntimeRole: the name and password of a login role for `serve` in one test, in the suite's
// cluster. Roles are cluster-wide, so the name is random; the role itself is made by
// `clientflow-relay migrate` (from the URL this gives) or by the test. The destructor drops it
// if it exists: declare the RuntimeRole before the TestDatabase that grants it privileges, so
// that the database (and with it those grants) is gone first. Not thread-safe; one per test.
#pragma once

#include <string>

#include "tests/support/test_database.h"

namespace cf::testing {

class RuntimeRole {
 public:
  RuntimeRole();
  ~RuntimeRole();
  RuntimeRole(const RuntimeRole&) = delete;
  RuntimeRole& operator=(const RuntimeRole&) = delete;

  const std::string& name() const { return name_; }
  const std::string& password() const { return password_; }
  // The connection string of `db` with this role's user and password.
  std::string url_for(const TestDatabase& db) const;

 private:
  std::string name_;
  std::string password_;
};

}  // namespace cf::testing
