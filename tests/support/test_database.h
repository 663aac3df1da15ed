// TestDatabase: a database of its own for one test, created in the PostgreSQL cluster named by
// CLIENTFLOW_TEST_DATABASE_URL (set by scripts/test) and dropped when the object is destroyed,
// so tests can run in parallel. Construction fails the test when the variable is unset: a test
// that needs PostgreSQL must not pass without one.
#pragma once

#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "config/secret.h"

namespace cf::testing {

class TestDatabase {
 public:
  TestDatabase();
  // In another cluster than the suite's (an OwnCluster's URL).
  explicit TestDatabase(std::string cluster_url);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  // Connection string for the new database.
  const std::string& url() const { return url_; }
  Secret secret_url() const { return Secret(url_); }
  // The login role's password, to check that no log holds it.
  std::string password() const;
  std::unique_ptr<pqxx::connection> connect() const;
  // Applies every migration; fails the test on error.
  void migrate() const;
  // Runs the SQL file at `path` (relative to the source tree) in one transaction, as this
  // database's role: for instance tests/upgrade/v0.1.0_schema.sql, a release's schema.
  void load(const std::string& path) const;

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

// The cluster URL from CLIENTFLOW_TEST_DATABASE_URL; throws when unset.
std::string cluster_url();

}  // namespace cf::testing
