// Migrations against a real PostgreSQL: applied once, idempotent, safe when run concurrently,
// and refusing a migration file that changed after it was applied.
#define BOOST_TEST_MODULE migrations
#include <boost/test/unit_test.hpp>

#include <thread>

#include "common/crypto.h"
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

BOOST_AUTO_TEST_CASE(migration_6_brings_forged_future_times_back) {
  // A database as the release before it left it, holding times an unsigned rule webhook's
  // created_at (or a signed event stamped far ahead) put in the future.
  TestDatabase db;
  auto c = db.connect();
  {
    pqxx::work tx(*c);
    tx.exec0("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
             "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& migration : cf::store::known_migrations()) {
      if (migration.version > 5) break;
      tx.exec(migration.sql);
      tx.exec_params0("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", migration.version,
                      migration.name, cf::crypto::to_hex(cf::crypto::sha256(migration.sql)));
    }
    tx.exec0("INSERT INTO tenants (id, name, email, prefix, api_key_hash, rule_token_hash) VALUES "
             "('aaaaaaaa-0000-4000-8000-000000000001', 'A', 'a@example.com', 'ib-aaa111-', "
             "decode(repeat('01', 32), 'hex'), decode(repeat('02', 32), 'hex'))");
    tx.exec0("INSERT INTO leads (tenant_id, email, tags, tag_clock, last_opened_at, updated_at) VALUES "
             "('aaaaaaaa-0000-4000-8000-000000000001', 'x@example.com', '{ib-aaa111-x}', "
             "'{\"ib-aaa111-x\": 253402300799000, \"ib-aaa111-y\": 1790000000000}', '9999-12-31', '2026-11-01T00:00:00Z')");
    tx.exec0("INSERT INTO systeme_contacts (contact_id, tags, snapshot_at, updated_at) VALUES "
             "(7, '[]', '9999-12-31', '2026-11-02T00:00:00Z'), (8, '[]', '2026-10-01T00:00:00Z', '2026-11-02T00:00:00Z')");
    tx.commit();
  }
  auto report = cf::store::migrate(*c);
  BOOST_REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().message));
  BOOST_TEST(report->applied.front() == "006_trust_boundaries.sql");
  pqxx::read_transaction tx(*c);
  // 2026-11-01T00:00:00Z is 1793491200000 ms.
  BOOST_TEST(tx.exec1("SELECT tag_clock::text FROM leads")[0].as<std::string>() ==
             R"({"ib-aaa111-x": 1793491200000, "ib-aaa111-y": 1790000000000})");
  BOOST_TEST(tx.exec1("SELECT last_opened_at = updated_at FROM leads")[0].as<bool>());
  BOOST_TEST(tx.exec1("SELECT string_agg(contact_id || '=' || to_char(snapshot_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ',' "
                      "ORDER BY contact_id) FROM systeme_contacts")[0].as<std::string>() == "7=2026-11-02,8=2026-10-01");
}
