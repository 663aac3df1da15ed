// The isolation proof at the database layer: as clientflow_tenant with tenant A bound, queries
// with no WHERE clause see and touch only A's rows. The same checks fail when a policy is
// dropped or forcing is switched off, which the last cases show.
#define BOOST_TEST_MODULE rls
#include <boost/test/unit_test.hpp>

#include "store/tenant_scope.h"
#include "store/tenants.h"
#include "tests/support/test_database.h"

using cf::testing::TestDatabase;

namespace {

// Two tenants: A with 3 leads and 2 timeline rows, B with 2 leads and 1 timeline row.
struct TwoTenants {
  TestDatabase db;
  std::unique_ptr<pqxx::connection> c;
  std::string a, b;

  TwoTenants() {
    db.migrate();
    c = db.connect();
    cf::store::TenantStore tenants(*c);
    a = tenants.add(*cf::store::TenantDraft::make("A", "a@example.com", "ib-aaa111-"))->tenant.id;
    b = tenants.add(*cf::store::TenantDraft::make("B", "b@example.com", "ib-bbb222-"))->tenant.id;
    pqxx::work tx(*c);
    for (int i = 0; i < 3; ++i) {
      tx.exec_params("INSERT INTO leads (tenant_id, email) VALUES ($1, $2)", a, "a" + std::to_string(i) + "@x.com");
    }
    for (int i = 0; i < 2; ++i) {
      tx.exec_params("INSERT INTO leads (tenant_id, email) VALUES ($1, $2)", b, "b" + std::to_string(i) + "@x.com");
    }
    // One person who is a lead of both tenants.
    tx.exec_params("INSERT INTO leads (tenant_id, email) VALUES ($1, 'shared@x.com'), ($2, 'shared@x.com')", a, b);
    tx.exec_params(
        "INSERT INTO lead_events (tenant_id, lead_id, kind) "
        "SELECT tenant_id, id, 'tag_added' FROM leads WHERE tenant_id = $1 AND email IN ('a0@x.com', 'a1@x.com')",
        a);
    tx.exec_params(
        "INSERT INTO lead_events (tenant_id, lead_id, kind) "
        "SELECT tenant_id, id, 'tag_added' FROM leads WHERE tenant_id = $1 AND email = 'b0@x.com'",
        b);
    tx.commit();
  }

  int count_as(const std::string& tenant, const std::string& sql) {
    pqxx::work tx(*c);
    cf::store::bind_to_tenant(tx, tenant);
    return tx.exec1(sql)[0].as<int>();
  }

  int count_as_system(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<int>();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(tenant_sees_only_its_own_rows_without_a_where_clause, TwoTenants) {
  BOOST_TEST(count_as(a, "SELECT count(*) FROM leads") == 4);
  BOOST_TEST(count_as(b, "SELECT count(*) FROM leads") == 3);
  BOOST_TEST(count_as(a, "SELECT count(*) FROM lead_events") == 2);
  BOOST_TEST(count_as(b, "SELECT count(*) FROM lead_events") == 1);
  BOOST_TEST(count_as(a, "SELECT count(*) FROM tenants") == 1);
  BOOST_TEST(count_as(a, "SELECT count(*) FROM leads WHERE tenant_id <> current_setting('app.tenant_id')::uuid") == 0);
  // Asking for B's rows by name still returns none.
  pqxx::work tx(*c);
  cf::store::bind_to_tenant(tx, a);
  BOOST_TEST(tx.exec_params1("SELECT count(*) FROM leads WHERE tenant_id = $1", b)[0].as<int>() == 0);
}

BOOST_FIXTURE_TEST_CASE(system_role_sees_everything, TwoTenants) {
  BOOST_TEST(count_as_system("SELECT count(*) FROM leads") == 7);
  BOOST_TEST(count_as_system("SELECT count(*) FROM lead_events") == 3);
  // The binding ends with its transaction: the connection is back to the system role.
  BOOST_TEST(count_as(a, "SELECT count(*) FROM leads") == 4);
  BOOST_TEST(count_as_system("SELECT count(*) FROM leads") == 7);
}

BOOST_FIXTURE_TEST_CASE(no_tenant_bound_sees_nothing, TwoTenants) {
  pqxx::work tx(*c);
  tx.exec0("SET LOCAL ROLE clientflow_tenant");
  BOOST_TEST(tx.exec1("SELECT count(*) FROM leads")[0].as<int>() == 0);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM lead_events")[0].as<int>() == 0);
}

BOOST_FIXTURE_TEST_CASE(tenant_cannot_write_another_tenants_rows, TwoTenants) {
  {
    pqxx::work tx(*c);
    cf::store::bind_to_tenant(tx, a);
    BOOST_TEST(tx.exec("UPDATE leads SET name = 'hijacked'").affected_rows() == 4u);
    BOOST_TEST(tx.exec("DELETE FROM lead_events").affected_rows() == 2u);
    tx.abort();
  }
  {
    pqxx::work tx(*c);
    cf::store::bind_to_tenant(tx, a);
    BOOST_CHECK_THROW(tx.exec_params("INSERT INTO leads (tenant_id, email) VALUES ($1, 'planted@x.com')", b),
                      pqxx::sql_error);
  }
  {
    pqxx::work tx(*c);
    cf::store::bind_to_tenant(tx, a);
    BOOST_CHECK_THROW(tx.exec_params("UPDATE leads SET tenant_id = $1", b), pqxx::sql_error);
  }
  BOOST_TEST(count_as_system("SELECT count(*) FROM leads WHERE name = 'hijacked'") == 0);
  BOOST_TEST(count_as_system("SELECT count(*) FROM leads") == 7);
}

BOOST_FIXTURE_TEST_CASE(tenant_role_cannot_read_admin_tables_or_credentials, TwoTenants) {
  {
    pqxx::work tx(*c);
    cf::store::bind_to_tenant(tx, a);
    BOOST_CHECK_THROW(tx.exec("SELECT count(*) FROM webhook_events"), pqxx::insufficient_privilege);
  }
  {
    pqxx::work tx(*c);
    cf::store::bind_to_tenant(tx, a);
    BOOST_CHECK_THROW(tx.exec("SELECT api_key_hash FROM tenants"), pqxx::insufficient_privilege);
  }
}

BOOST_FIXTURE_TEST_CASE(catalog_check_passes_on_the_migrated_schema, TwoTenants) {
  auto status = cf::store::check_isolation(*c);
  BOOST_TEST(status.ok(), (status.ok() ? "" : status.error().message));
  pqxx::read_transaction tx(*c);
  const auto role = tx.exec1("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'clientflow_tenant'");
  BOOST_TEST(!role[0].as<bool>());
  BOOST_TEST(!role[1].as<bool>());
  BOOST_TEST(!role[2].as<bool>());
}

BOOST_FIXTURE_TEST_CASE(dropping_a_policy_is_caught, TwoTenants) {
  {
    pqxx::work tx(*c);
    tx.exec0("DROP POLICY tenant_isolation ON leads");
    tx.commit();
  }
  // With the policy gone the tenant no longer gets its rows: the isolation count above fails...
  BOOST_TEST(count_as(a, "SELECT count(*) FROM leads") == 0);
  // ...and the catalog check names the table.
  auto status = cf::store::check_isolation(*c);
  BOOST_REQUIRE(!status.ok());
  BOOST_TEST(status.error().message == "table leads has no policy for clientflow_tenant");
}

BOOST_FIXTURE_TEST_CASE(a_permissive_policy_is_caught_by_the_counts, TwoTenants) {
  {
    pqxx::work tx(*c);
    tx.exec0("CREATE POLICY leak ON leads TO clientflow_tenant USING (true)");
    tx.commit();
  }
  BOOST_TEST(count_as(a, "SELECT count(*) FROM leads") == 7);  // what a bypass looks like
}

BOOST_FIXTURE_TEST_CASE(unforced_or_disabled_security_is_caught, TwoTenants) {
  {
    pqxx::work tx(*c);
    tx.exec0("ALTER TABLE lead_events NO FORCE ROW LEVEL SECURITY");
    tx.exec0("CREATE TABLE notes (tenant_id uuid, body text)");
    tx.commit();
  }
  auto status = cf::store::check_isolation(*c);
  BOOST_REQUIRE(!status.ok());
  BOOST_TEST(status.error().message ==
             "table lead_events does not force row-level security\n"
             "table notes has row-level security disabled\n"
             "table notes does not force row-level security\n"
             "table notes has no policy for clientflow_tenant");
}
