// The isolation proof at the database layer: as clientflow_tenant with tenant A bound, queries
// with no WHERE clause see and touch only A's rows. The same checks fail when a policy is
// dropped or forcing is switched off, and the catalog check behind /readyz (check_isolation)
// catches every way of weakening the policies, and of going round them (views, SECURITY DEFINER
// functions, rules, triggers, schemas that come first on the search path), which the last cases
// show.
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

  // One timeline entry for one of `tenant`'s leads, written as that tenant.
  void add_timeline_entry_as(const std::string& tenant) {
    pqxx::work tx(*c);
    cf::store::bind_to_tenant(tx, tenant);
    tx.exec("INSERT INTO lead_events (tenant_id, lead_id, kind) SELECT tenant_id, id, 'x' FROM leads LIMIT 1");
    tx.commit();
  }

  // Runs `sql` as the login role (the schema's owner here), then the catalog check: its
  // problems, one per line, or "" when it passes.
  std::string problems_after(const std::string& sql) {
    {
      pqxx::work tx(*c);
      tx.exec(sql);
      tx.commit();
    }
    auto status = cf::store::check_isolation(*c);
    return status.ok() ? "" : status.error().message;
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
  BOOST_TEST(status.error().message == "table leads has no policy for clientflow_tenant: tenant_isolation is missing");
}

BOOST_FIXTURE_TEST_CASE(a_permissive_policy_is_caught_by_the_counts, TwoTenants) {
  {
    pqxx::work tx(*c);
    tx.exec0("CREATE POLICY leak ON leads TO clientflow_tenant USING (true)");
    tx.commit();
  }
  BOOST_TEST(count_as(a, "SELECT count(*) FROM leads") == 7);  // what a bypass looks like
  auto status = cf::store::check_isolation(*c);
  BOOST_REQUIRE(!status.ok());
  BOOST_TEST(status.error().message ==
             "table leads has an extra permissive policy leak for clientflow_tenant (only restrictive ones may be added)");
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
             "table notes has no policy for clientflow_tenant: tenant_isolation is missing\n"
             "table notes has no policy for clientflow_system: system_all is missing");
}

// Each way of weakening the declared policies, on tenant tables, on tenants itself and on the
// system-only tables, fails the catalog check, naming the table and the policy.

BOOST_FIXTURE_TEST_CASE(a_policy_for_public_admitting_every_lead_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("CREATE POLICY p ON leads USING (true)") ==
             "table leads has an extra permissive policy p for PUBLIC (only restrictive ones may be added)");
  BOOST_TEST(count_as(a, "SELECT count(*) FROM leads") == 7);  // the leak the check reports
}

BOOST_FIXTURE_TEST_CASE(a_policy_admitting_tenants_to_system_tables_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("CREATE POLICY peek ON webhook_events TO clientflow_tenant USING (true);"
                            "CREATE POLICY p ON systeme_contacts USING (true);"
                            "CREATE POLICY q ON findings FOR SELECT TO clientflow_tenant, clientflow_system USING (true)") ==
             "table findings has an extra permissive policy q for clientflow_system, clientflow_tenant (only restrictive ones may be added)\n"
             "table systeme_contacts has an extra permissive policy p for PUBLIC (only restrictive ones may be added)\n"
             "table webhook_events has an extra permissive policy peek for clientflow_tenant (only restrictive ones may be added)");
}

BOOST_FIXTURE_TEST_CASE(a_changed_tenant_isolation_expression_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("ALTER POLICY tenant_isolation ON leads USING (tenant_id IS NOT NULL)") ==
             "table leads: policy tenant_isolation differs from the declared one: USING (tenant_id IS NOT NULL), "
             "declared (tenant_id = clientflow_current_tenant())");
  BOOST_TEST(count_as(a, "SELECT count(*) FROM leads") == 7);
}

BOOST_FIXTURE_TEST_CASE(an_expression_that_only_looks_the_same_is_caught, TwoTenants) {
  // Spacing and parentheses do not matter; a different function of the same name does.
  BOOST_TEST(problems_after("ALTER POLICY tenant_isolation ON lead_events "
                            "USING (((tenant_id)   =   clientflow_current_tenant()))") == "");
  BOOST_TEST(problems_after("CREATE SCHEMA elsewhere;"
                            "CREATE FUNCTION elsewhere.clientflow_current_tenant() RETURNS uuid LANGUAGE sql "
                            "AS $$ SELECT tenant_id FROM public.lead_events LIMIT 1 $$;"
                            "ALTER POLICY tenant_isolation ON lead_events "
                            "USING (tenant_id = elsewhere.clientflow_current_tenant())") ==
             "table lead_events: policy tenant_isolation differs from the declared one: "
             "USING (tenant_id = elsewhere.clientflow_current_tenant()), declared (tenant_id = clientflow_current_tenant())");
}

BOOST_FIXTURE_TEST_CASE(a_dropped_with_check_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("DROP POLICY tenant_isolation ON outbox_jobs;"
                            "CREATE POLICY tenant_isolation ON outbox_jobs TO clientflow_tenant "
                            "USING (tenant_id = clientflow_current_tenant())") ==
             "table outbox_jobs: policy tenant_isolation differs from the declared one: WITH CHECK none, "
             "declared (tenant_id = clientflow_current_tenant())");
}

BOOST_FIXTURE_TEST_CASE(a_policy_given_to_another_role_or_command_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("ALTER POLICY tenant_isolation ON leads TO PUBLIC;"
                            "DROP POLICY system_all ON lead_events;"
                            "CREATE POLICY system_all ON lead_events FOR SELECT TO clientflow_system USING (true)") ==
             "table lead_events: policy system_all differs from the declared one: command SELECT, declared ALL; "
             "WITH CHECK none, declared true\n"
             "table leads: policy tenant_isolation differs from the declared one: for PUBLIC, declared for clientflow_tenant");
}

BOOST_FIXTURE_TEST_CASE(unforced_security_on_leads_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("ALTER TABLE leads NO FORCE ROW LEVEL SECURITY") ==
             "table leads does not force row-level security");
}

BOOST_FIXTURE_TEST_CASE(weakening_the_tenants_table_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("ALTER TABLE tenants NO FORCE ROW LEVEL SECURITY;"
                            "ALTER POLICY tenant_self ON tenants USING (true);"
                            "CREATE POLICY everyone ON tenants TO clientflow_tenant USING (true)") ==
             "table tenants does not force row-level security\n"
             "table tenants: policy tenant_self differs from the declared one: USING true, "
             "declared (id = clientflow_current_tenant())\n"
             "table tenants has an extra permissive policy everyone for clientflow_tenant (only restrictive ones may be added)");
}

BOOST_FIXTURE_TEST_CASE(a_system_table_without_security_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("ALTER TABLE findings DISABLE ROW LEVEL SECURITY") ==
             "table findings has row-level security disabled");
}

BOOST_FIXTURE_TEST_CASE(a_restrictive_extra_policy_is_allowed, TwoTenants) {
  BOOST_TEST(problems_after("CREATE POLICY only_named ON leads AS RESTRICTIVE TO clientflow_tenant "
                            "USING (email <> '');"
                            "CREATE POLICY nobody ON webhook_events AS RESTRICTIVE USING (false)") == "");
}

BOOST_FIXTURE_TEST_CASE(tables_made_by_later_migrations_are_covered_without_a_list, TwoTenants) {
  // A new tenant table and a new system table, made the way migrations make them, pass...
  BOOST_TEST(problems_after("CREATE TABLE notes (tenant_id uuid NOT NULL, body text);"
                            "SELECT clientflow_isolate_tenant_table('notes');"
                            "CREATE TABLE audit (at timestamptz);"
                            "SELECT clientflow_system_table('audit')") == "");
  // ...and are held to the same declaration.
  BOOST_TEST(problems_after("CREATE POLICY p ON notes USING (true);"
                            "CREATE POLICY p ON audit TO clientflow_tenant USING (true)") ==
             "table audit has an extra permissive policy p for clientflow_tenant (only restrictive ones may be added)\n"
             "table notes has an extra permissive policy p for PUBLIC (only restrictive ones may be added)");
}

BOOST_FIXTURE_TEST_CASE(a_system_table_opened_to_the_tenant_role_without_security_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("CREATE TABLE scratch (note text); GRANT SELECT ON scratch TO clientflow_tenant") ==
             "table scratch has row-level security disabled\n"
             "table scratch does not force row-level security\n"
             "table scratch has no policy for clientflow_system: system_all is missing");
}

BOOST_FIXTURE_TEST_CASE(truncate_for_the_tenant_role_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("GRANT TRUNCATE ON leads TO clientflow_tenant") ==
             "role clientflow_tenant may TRUNCATE table leads (TRUNCATE ignores row-level security)");
}

BOOST_FIXTURE_TEST_CASE(a_weakened_tenant_function_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("CREATE OR REPLACE FUNCTION clientflow_current_tenant() RETURNS uuid "
                            "LANGUAGE sql STABLE AS $$ SELECT tenant_id FROM leads LIMIT 1 $$") ==
             "function clientflow_current_tenant() differs from the declared one (it decides which rows a tenant sees)");
}

// Ways round the policies rather than through them: relations that show rows with their owner's
// rights, SECURITY DEFINER functions, and objects that take the place of ours on the tenant
// role's search path. Each leaks rows in the count first, then fails the catalog check.

BOOST_FIXTURE_TEST_CASE(a_view_over_leads_open_to_the_tenant_role_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("CREATE VIEW all_leads AS SELECT * FROM leads;"
                            "GRANT SELECT ON all_leads TO clientflow_tenant") ==
             "view all_leads is open to clientflow_tenant and runs with its owner's rights, past row-level security "
             "(only security_invoker views may be open)");
  BOOST_TEST(count_as(a, "SELECT count(*) FROM all_leads") == 7);  // every tenant's leads
}

BOOST_FIXTURE_TEST_CASE(a_materialized_view_open_to_public_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("CREATE MATERIALIZED VIEW lead_emails AS SELECT tenant_id, email FROM leads;"
                            "GRANT SELECT ON lead_emails TO PUBLIC") ==
             "materialized view lead_emails is open to PUBLIC and has no row-level security");
  BOOST_TEST(count_as(a, "SELECT count(*) FROM lead_emails") == 7);
}

BOOST_FIXTURE_TEST_CASE(relations_in_another_schema_open_to_the_tenant_role_are_caught, TwoTenants) {
  BOOST_TEST(problems_after("CREATE SCHEMA reports; GRANT USAGE ON SCHEMA reports TO clientflow_tenant;"
                            "CREATE TABLE reports.lead_copy AS SELECT * FROM leads;"
                            "CREATE VIEW reports.findings_seen AS SELECT * FROM findings;"
                            "GRANT SELECT ON reports.lead_copy, reports.findings_seen TO clientflow_tenant") ==
             "view reports.findings_seen is open to clientflow_tenant and runs with its owner's rights, past "
             "row-level security (only security_invoker views may be open)\n"
             "table reports.lead_copy is open to clientflow_tenant outside schema public, whose policies are the "
             "ones compared");
  BOOST_TEST(count_as(a, "SELECT count(*) FROM reports.lead_copy") == 7);
}

BOOST_FIXTURE_TEST_CASE(views_the_tenant_role_cannot_open_or_that_run_with_its_rights_are_allowed, TwoTenants) {
  BOOST_TEST(problems_after("CREATE VIEW own_leads WITH (security_invoker) AS SELECT * FROM leads;"
                            "GRANT SELECT ON own_leads TO clientflow_tenant;"
                            "CREATE VIEW admin_leads AS SELECT * FROM leads;"
                            "CREATE MATERIALIZED VIEW admin_counts AS SELECT tenant_id, count(*) FROM leads GROUP BY 1;"
                            "CREATE SCHEMA reports; CREATE TABLE reports.lead_copy AS SELECT * FROM leads;"
                            "GRANT SELECT ON reports.lead_copy TO clientflow_tenant") == "");
  BOOST_TEST(count_as(a, "SELECT count(*) FROM own_leads") == 4);  // the reader's policies apply
}

BOOST_FIXTURE_TEST_CASE(a_schema_that_takes_the_place_of_ours_for_the_tenant_role_is_caught, TwoTenants) {
  // "$user" leads the default search_path, and is clientflow_tenant inside a tenant transaction.
  BOOST_TEST(problems_after("CREATE SCHEMA clientflow_tenant; GRANT USAGE ON SCHEMA clientflow_tenant TO clientflow_tenant;"
                            "CREATE TABLE clientflow_tenant.leads AS SELECT * FROM public.leads;"
                            "GRANT SELECT ON clientflow_tenant.leads TO clientflow_tenant;"
                            "CREATE FUNCTION clientflow_tenant.clientflow_lead_exists_elsewhere(lead_email text) "
                            "RETURNS boolean LANGUAGE sql AS $$ SELECT false $$") ==
             "table clientflow_tenant.leads is open to clientflow_tenant outside schema public, whose policies are "
             "the ones compared\n"
             "function clientflow_tenant.clientflow_lead_exists_elsewhere(text) has the name of one of ours in a schema "
             "clientflow_tenant may use, where it can take the place of ours (search_path)\n"
             "table clientflow_tenant.leads has the name of one of ours in a schema clientflow_tenant may use, where it "
             "can take the place of ours (search_path)");
  BOOST_TEST(count_as(a, "SELECT count(*) FROM leads") == 7);
  pqxx::work tx(*c);
  cf::store::bind_to_tenant(tx, a);
  BOOST_TEST(!tx.exec_params1("SELECT clientflow_lead_exists_elsewhere($1)", "b0@x.com")[0].as<bool>());
}

BOOST_FIXTURE_TEST_CASE(an_undeclared_security_definer_function_for_the_tenant_role_is_caught, TwoTenants) {
  BOOST_TEST(problems_after("CREATE FUNCTION lead_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER "
                            "AS $$ SELECT count(*) FROM leads $$;"
                            "CREATE FUNCTION lead_emails(prefix text) RETURNS SETOF text LANGUAGE sql SECURITY DEFINER "
                            "SET search_path = pg_catalog, public AS $$ SELECT email FROM leads WHERE email LIKE prefix $$;"
                            "REVOKE ALL ON FUNCTION lead_emails(text) FROM PUBLIC;"
                            "GRANT EXECUTE ON FUNCTION lead_emails(text) TO clientflow_tenant;"
                            "CREATE FUNCTION admin_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER "
                            "AS $$ SELECT count(*) FROM leads $$;"
                            "REVOKE ALL ON FUNCTION admin_count() FROM PUBLIC") ==
             "function lead_count() runs with its owner's rights (SECURITY DEFINER) and is open to PUBLIC; it is not "
             "one of the declared ones\n"
             "function lead_emails(text) runs with its owner's rights (SECURITY DEFINER) and is open to "
             "clientflow_tenant; it is not one of the declared ones");
  BOOST_TEST(count_as(a, "SELECT lead_count()") == 7);
  BOOST_TEST(count_as(a, "SELECT count(*) FROM lead_emails('b%')") == 2);
}

BOOST_FIXTURE_TEST_CASE(a_changed_body_of_a_declared_security_definer_function_is_caught, TwoTenants) {
  // LIKE instead of =: a tenant could find other tenants' emails letter by letter.
  BOOST_TEST(problems_after("CREATE OR REPLACE FUNCTION clientflow_lead_exists_elsewhere(lead_email text) RETURNS boolean "
                            "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public "
                            "AS $$ SELECT EXISTS (SELECT 1 FROM public.leads "
                            "WHERE email LIKE lead_email AND tenant_id <> public.clientflow_current_tenant()) $$;"
                            "CREATE OR REPLACE FUNCTION clientflow_route_waiting_rule_deliveries(p_tenant uuid, p_lead uuid) "
                            "RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public "
                            "AS $$ BEGIN RETURN 0; END $$") ==
             "function clientflow_lead_exists_elsewhere(text) differs from the declared one (it runs with its owner's "
             "rights for clientflow_tenant)\n"
             "function clientflow_route_waiting_rule_deliveries(uuid, uuid) differs from the declared one (it runs with "
             "its owner's rights for clientflow_tenant)");
  pqxx::work tx(*c);
  cf::store::bind_to_tenant(tx, a);
  BOOST_TEST(tx.exec_params1("SELECT clientflow_lead_exists_elsewhere($1)", "b%")[0].as<bool>());
}

BOOST_FIXTURE_TEST_CASE(a_security_definer_function_without_its_pinned_search_path_is_caught, TwoTenants) {
  // Without it, the function resolves operators and functions on the caller's search_path.
  BOOST_TEST(problems_after("ALTER FUNCTION clientflow_lead_exists_elsewhere(text) RESET search_path") ==
             "function clientflow_lead_exists_elsewhere(text) has settings none, declared search_path=pg_catalog, public "
             "(it runs with its owner's rights for clientflow_tenant)");
}

BOOST_FIXTURE_TEST_CASE(a_rule_on_a_tenant_table_is_caught, TwoTenants) {
  // A rule's actions run with the table owner's rights: one tenant's insert changes every lead.
  BOOST_TEST(problems_after("CREATE RULE touch AS ON INSERT TO lead_events DO ALSO UPDATE leads SET name = 'touched'") ==
             "table lead_events has rule touch, whose actions run with the table owner's rights");
  add_timeline_entry_as(a);
  BOOST_TEST(count_as_system("SELECT count(*) FROM leads WHERE name = 'touched'") == 7);
}

BOOST_FIXTURE_TEST_CASE(a_security_definer_trigger_on_a_tenant_table_is_caught, TwoTenants) {
  // A trigger runs its function whoever may execute it, and this one with its owner's rights.
  BOOST_TEST(problems_after("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
                            "SET search_path = pg_catalog, public "
                            "AS $$ BEGIN UPDATE leads SET name = 'touched'; RETURN NEW; END $$;"
                            "REVOKE ALL ON FUNCTION touch() FROM PUBLIC;"
                            "CREATE TRIGGER touch AFTER INSERT ON lead_events FOR EACH ROW EXECUTE FUNCTION touch()") ==
             "function touch() runs with its owner's rights (SECURITY DEFINER) as trigger touch on table lead_events, "
             "which clientflow_tenant may change");
  add_timeline_entry_as(a);
  BOOST_TEST(count_as_system("SELECT count(*) FROM leads WHERE name = 'touched'") == 7);
}
