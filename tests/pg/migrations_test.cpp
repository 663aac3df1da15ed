// Migrations against a real PostgreSQL: applied once, idempotent, safe when run concurrently,
// and refusing a migration file that changed after it was applied.
#define BOOST_TEST_MODULE migrations
#include <boost/test/unit_test.hpp>

#include <thread>

#include "store/migrations.h"
#include "tests/support/test_database.h"

using cf::testing::TestDatabase;

namespace {
int count(pqxx::connection& c, const std::string& sql) {
  pqxx::read_transaction tx(c);
  return tx.exec1(sql)[0].as<int>();
}
const int kKnown = static_cast<int>(cf::store::known_migrations().size());
}  // namespace

BOOST_AUTO_TEST_CASE(built_in_migrations_are_ordered_and_numbered) {
  int previous = 0;
  for (const auto& migration : cf::store::known_migrations()) {
    BOOST_TEST(migration.version > previous);
    BOOST_TEST(!migration.sql.empty());
    previous = migration.version;
  }
  BOOST_TEST(kKnown >= 1);
}

BOOST_AUTO_TEST_CASE(second_run_applies_nothing) {
  TestDatabase db;
  auto c = db.connect();
  auto first = cf::store::migrate(*c);
  BOOST_REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().message));
  BOOST_TEST(static_cast<int>(first->applied.size()) == kKnown);
  auto second = cf::store::migrate(*c);
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(second->applied.empty());
  BOOST_TEST(second->version == first->version);
  BOOST_TEST(count(*c, "SELECT count(*) FROM schema_migrations") == kKnown);
  auto state = cf::store::schema_state(*c);
  BOOST_REQUIRE(state.ok());
  BOOST_TEST(state->current());
}

BOOST_AUTO_TEST_CASE(fresh_database_reports_pending) {
  TestDatabase db;
  auto c = db.connect();
  auto state = cf::store::schema_state(*c);
  BOOST_REQUIRE(state.ok());
  BOOST_TEST(static_cast<int>(state->pending.size()) == kKnown);
  BOOST_TEST(!state->current());
}

BOOST_AUTO_TEST_CASE(concurrent_runs_apply_each_migration_once) {
  TestDatabase db;
  constexpr int kRunners = 6;
  std::vector<std::thread> runners;
  std::vector<int> applied(kRunners, -1);
  std::vector<std::string> errors(kRunners);
  for (int i = 0; i < kRunners; ++i) {
    runners.emplace_back([&, i] {
      try {
        auto c = db.connect();
        auto report = cf::store::migrate(*c);
        if (report.ok()) applied[i] = static_cast<int>(report->applied.size());
        else errors[i] = report.error().message;
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : runners) t.join();
  int total = 0;
  for (int i = 0; i < kRunners; ++i) {
    BOOST_TEST(errors[i] == "");
    total += applied[i];
  }
  BOOST_TEST(total == kKnown);
  auto c = db.connect();
  BOOST_TEST(count(*c, "SELECT count(*) FROM schema_migrations") == kKnown);
}

BOOST_AUTO_TEST_CASE(concurrent_runs_on_separate_databases_share_the_roles) {
  // Roles are cluster-wide: two databases migrating at once must both succeed.
  TestDatabase a, b;
  std::string error_a, error_b;
  std::thread ta([&] {
    auto c = a.connect();
    auto r = cf::store::migrate(*c);
    if (!r.ok()) error_a = r.error().message;
  });
  std::thread tb([&] {
    auto c = b.connect();
    auto r = cf::store::migrate(*c);
    if (!r.ok()) error_b = r.error().message;
  });
  ta.join();
  tb.join();
  BOOST_TEST(error_a == "");
  BOOST_TEST(error_b == "");
}

BOOST_AUTO_TEST_CASE(changed_migration_is_refused) {
  TestDatabase db;
  db.migrate();
  auto c = db.connect();
  {
    pqxx::work tx(*c);
    tx.exec0("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1");
    tx.commit();
  }
  auto report = cf::store::migrate(*c);
  BOOST_REQUIRE(!report.ok());
  BOOST_TEST(report.error().message.find("001_foundation.sql differs from the one applied") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(failed_migration_leaves_no_half_state) {
  TestDatabase db;
  auto c = db.connect();
  {
    // A table in the way makes 001 fail part-way through.
    pqxx::work tx(*c);
    tx.exec0("CREATE TABLE leads (x int)");
    tx.commit();
  }
  auto report = cf::store::migrate(*c);
  BOOST_REQUIRE(!report.ok());
  BOOST_TEST(count(*c, "SELECT count(*) FROM schema_migrations") == 0);
  BOOST_TEST(count(*c, "SELECT count(*) FROM pg_tables WHERE tablename = 'tenants'") == 0);
}
