// TestRole: the name and password of a login role of its own for one test, in the suite's
// cluster. Roles are cluster-wide, so the name is random; the role itself is made by
// `clientflow-relay migrate` (from the URL this gives) or by the test. The destructor drops it
// if it exists: declare the TestRole before the TestDatabase that grants it privileges, so
// that the database (and with it those grants) is gone first. Not thread-safe; one per test.
#pragma once

#include <string>

#include "tests/support/test_database.h"

namespace cf::testing {

class TestRole {
 public:
  TestRole();
  ~TestRole();
  TestRole(const TestRole&) = delete;
  TestRole& operator=(const TestRole&) = delete;

  const std::string& name() const { return name_; }
  const std::string& password() const { return password_; }
  // The connection string of `db` with this role's user and password.
  std::string url_for(const TestDatabase& db) const;

 private:
  std::string name_;
  std::string password_;
};

}  // namespace cf::testing
