// The database's own defences through the real binary: the catalog check behind /readyz catches
// a weakened policy (and /readyz says so without naming anything sensitive), and with
// database.migration_url set, `migrate` turns a database made by the one-role setup into two
// roles: the schema belongs to clientflow_owner, and `serve` runs as a role of its own that owns
// nothing and cannot change row-level security, yet stores webhooks and captures leads.
#define BOOST_TEST_MODULE database_defences
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/test_role.h"
#include "tests/support/two_tenants.h"

using namespace cf::testing;
using nlohmann::json;

namespace {

const std::string kWarning = "the daemon's database role can change the schema";

std::string yaml_string(const std::string& text) { return json(text).dump(); }

// A daemon config with both connection strings, ephemeral ports, an admin token and a webhook secret.
std::string two_role_config(const std::string& url, const std::string& migration_url, const std::string& admin_token,
                            const std::string& webhook_secret) {
  return write_temp_file("relay.yaml", "database:\n  url: " + yaml_string(url) + "\n  migration_url: " +
                                           yaml_string(migration_url) +
                                           "\nhttp:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\n"
                                           "admin:\n  token: " + admin_token +
                                           "\nsysteme:\n  webhook_secrets: [" + webhook_secret + "]\n");
}

std::string one_value(pqxx::connection& c, const std::string& sql) {
  pqxx::read_transaction tx(c);
  const auto field = tx.exec1(sql)[0];
  return field.is_null() ? "" : field.as<std::string>();
}

// Whether `sql`, alone in a transaction on `c`, is refused for want of privilege.
bool refused(pqxx::connection& c, const std::string& sql) {
  try {
    pqxx::work tx(c);
    tx.exec0(sql);
    tx.commit();
    return false;
  } catch (const pqxx::insufficient_privilege&) {
    return true;
  }
}

// A database made by the one-role setup (every migration applied as the suite's login role,
// which owns every table) and a runtime role for serve, not yet created.
struct OneRoleDatabase {
  TestRole runtime;  // before the database: dropped after it
  TwoTenants world;
  std::string login_role;

  OneRoleDatabase() { login_role = one_value(*world.c, "SELECT current_user"); }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_permissive_policy_on_leads_makes_readyz_fail_naming_nothing_sensitive, TwoTenants) {
  auto serving = serve(write_admin_config(db.url(), admin_token, secret));
  BOOST_TEST(eventually([&] { return http_get(serving.base + "/readyz").status == 200; }));
  {
    pqxx::work tx(*c);
    tx.exec0("CREATE POLICY p ON leads USING (true)");
    tx.commit();
  }
  HttpResponse answer;
  BOOST_TEST(eventually([&] {
    answer = http_get(serving.base + "/readyz");
    return answer.status == 503;
  }));
  BOOST_TEST(json::parse(answer.body)["status"] == "not ready");
  BOOST_TEST(json::parse(answer.body)["reason"] == "isolation check failed");
  // The public answer names no connection detail (role, password, database, port) and no
  // policy expression; the log has the whole detail for the operator.
  const auto port = one_value(*c, "SELECT current_setting('port')");
  for (const auto& secret_part : std::vector<std::string>{db.password(), db.name(), ":" + port, "USING", "true"}) {
    BOOST_TEST(answer.body.find(secret_part) == std::string::npos, secret_part);
  }
  BOOST_TEST(eventually([&] {
    return serving.daemon->err().find("table leads has an extra permissive policy p for PUBLIC") != std::string::npos;
  }));
  // Dropping the policy makes it ready again.
  {
    pqxx::work tx(*c);
    tx.exec0("DROP POLICY p ON leads");
    tx.commit();
  }
  BOOST_TEST(eventually([&] { return http_get(serving.base + "/readyz").status == 200; }));
  BOOST_TEST(serving.daemon->stop(SIGTERM) == 0);
}

BOOST_FIXTURE_TEST_CASE(one_role_serve_warns_that_its_role_can_change_the_schema, TwoTenants) {
  auto serving = serve(write_admin_config(db.url(), admin_token, secret));
  BOOST_TEST(eventually([&] { return http_get(serving.base + "/readyz").status == 200; }));
  BOOST_TEST(eventually([&] { return serving.daemon->err().find(kWarning) != std::string::npos; }));
  BOOST_TEST(serving.daemon->stop(SIGTERM) == 0);
}

BOOST_FIXTURE_TEST_CASE(migrate_converts_a_one_role_database_and_serve_cannot_change_the_schema, OneRoleDatabase) {
  auto& c = *world.c;
  // Where today's setup leaves a database: its login role owns every table.
  BOOST_REQUIRE(one_value(c, "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'leads'") == login_role);

  const auto runtime_url = runtime.url_for(world.db);
  const auto config = two_role_config(runtime_url, world.db.url(), world.admin_token, world.secret);
  const auto migrated = run({relay_binary(), "migrate", "--config", config});
  BOOST_REQUIRE_MESSAGE(migrated.exit_code == 0, migrated.err);
  BOOST_TEST(migrated.out.find("created role " + runtime.name()) != std::string::npos, migrated.out);
  for (const auto& output : {migrated.out, migrated.err}) {
    BOOST_TEST(output.find(runtime.password()) == std::string::npos);
    BOOST_TEST(output.find(world.db.password()) == std::string::npos);
  }

  // Every table, sequence and function of the schema belongs to clientflow_owner now.
  BOOST_TEST(one_value(c, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                          "AND relkind IN ('r', 'p', 'v', 'm', 'S') AND relowner <> 'clientflow_owner'::regrole") == "0");
  BOOST_TEST(one_value(c, "SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
                          "AND proowner <> 'clientflow_owner'::regrole") == "0");
  // The runtime role logs in, is in the two roles the policies name, and has no power over the schema.
  const std::string role = "'" + runtime.name() + "'";
  BOOST_TEST(one_value(c, "SELECT rolcanlogin AND NOT (rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls) "
                          "FROM pg_roles WHERE rolname = " + role) == "t");
  BOOST_TEST(one_value(c, "SELECT pg_has_role(" + role + ", 'clientflow_system', 'MEMBER') AND "
                          "pg_has_role(" + role + ", 'clientflow_tenant', 'MEMBER') AND NOT "
                          "pg_has_role(" + role + ", 'clientflow_owner', 'MEMBER') AND NOT "
                          "pg_has_role(" + role + ", '" + login_role + "', 'MEMBER')") == "t");

  // serve runs as that role: ready, without the warning, stores a signed webhook and captures a lead.
  auto serving = serve(config);
  BOOST_TEST(eventually([&] { return http_get(serving.base + "/readyz").status == 200; }));
  BOOST_TEST(post_account_webhook(serving.base, world.secret, "CONTACT_TAG_ADDED",
                                  tag_body(41, "new@example.com", "ib-aaa111-demo-request"), "two-roles-1")
                 .status == 200);
  BOOST_TEST(post_lead_capture(serving.base, *world.a.keys.api_key, "captured@example.com").status == 201);
  BOOST_TEST(one_value(c, "SELECT count(*) FROM webhook_events WHERE dedup_key LIKE '%two-roles-1%' AND status = 'routed'") ==
             "1");
  BOOST_TEST(one_value(c, "SELECT count(*) FROM leads WHERE tenant_id = '" + world.a.tenant.id + "'") == "2");
  BOOST_TEST(serving.daemon->err().find(kWarning) == std::string::npos);
  BOOST_TEST(serving.daemon->err().find(runtime.password()) == std::string::npos);

  // As the runtime role, nothing that would change the schema or the roles is allowed.
  pqxx::connection as_runtime(runtime_url);
  BOOST_TEST(one_value(as_runtime, "SELECT current_user") == runtime.name());
  const std::vector<std::string> attempts = {
      "ALTER TABLE leads NO FORCE ROW LEVEL SECURITY",
      "ALTER TABLE leads DISABLE ROW LEVEL SECURITY",
      "DROP POLICY tenant_isolation ON leads",
      "CREATE POLICY p ON leads USING (true)",
      "ALTER POLICY tenant_self ON tenants USING (true)",
      "CREATE ROLE " + runtime.name() + "_more LOGIN",
      "ALTER ROLE " + runtime.name() + " BYPASSRLS",
      "GRANT clientflow_system TO clientflow_tenant",
      "SET ROLE clientflow_owner",
      "CREATE TABLE planted (tenant_id uuid)",
      "CREATE OR REPLACE FUNCTION clientflow_current_tenant() RETURNS uuid LANGUAGE sql AS $$ SELECT NULL::uuid $$",
      "TRUNCATE leads",
      "DROP TABLE findings",
  };
  for (const auto& sql : attempts) BOOST_TEST(refused(as_runtime, sql), sql);

  // A second migrate changes nothing and says so.
  const auto again = run({relay_binary(), "migrate", "--config", config});
  BOOST_REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  BOOST_TEST(again.out.find("(already current)") != std::string::npos, again.out);
  BOOST_TEST(again.out.find("created role") == std::string::npos, again.out);

  // Handing the runtime role the schema's ownership makes the daemon unready; migrate takes it back.
  {
    pqxx::work tx(c);
    tx.exec0("GRANT clientflow_owner TO " + runtime.name());
    tx.commit();
  }
  BOOST_TEST(eventually([&] { return http_get(serving.base + "/readyz").status == 503; }));
  BOOST_TEST(eventually([&] {
    return serving.daemon->err().find("role " + runtime.name() + " is a member of clientflow_owner") != std::string::npos;
  }));
  const auto repaired = run({relay_binary(), "migrate", "--config", config});
  BOOST_REQUIRE_MESSAGE(repaired.exit_code == 0, repaired.err);
  BOOST_TEST(repaired.out.find("revoked membership in clientflow_owner from " + runtime.name()) != std::string::npos,
             repaired.out);
  BOOST_TEST(eventually([&] { return http_get(serving.base + "/readyz").status == 200; }));
  BOOST_TEST(serving.daemon->stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(the_same_role_for_both_connections_is_refused_before_anything_changes) {
  TestDatabase db;
  const auto config = two_role_config(db.url(), db.url(), "admin-token-0123456789-abcdefghijklmnop", "secret");
  const auto migrated = run({relay_binary(), "migrate", "--config", config});
  BOOST_TEST(migrated.exit_code == 2);
  BOOST_TEST(migrated.err.find("database.url and database.migration_url name the same role") != std::string::npos,
             migrated.err);
  auto c = db.connect();
  BOOST_TEST(one_value(*c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0");
}
