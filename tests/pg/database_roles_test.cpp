// Separating the schema's owner from the role serve runs as (store/database_roles.h), against a
// real PostgreSQL: the one-role setup stays as it was; migrate with a runtime role moves every
// object to clientflow_owner, creates the runtime role once even when several migrate at once,
// strips an existing one of what could change the schema, refuses objects it cannot move, and
// the runtime role then sees rows exactly as the policies say.
#define BOOST_TEST_MODULE database_roles
#include <boost/test/unit_test.hpp>

#include <thread>

#include "store/database_roles.h"
#include "store/migrations.h"
#include "store/tenant_scope.h"
#include "store/tenants.h"
#include "tests/support/own_cluster.h"
#include "tests/support/test_role.h"
#include "tests/support/test_database.h"

using cf::testing::OwnCluster;
using cf::testing::TestRole;
using cf::testing::TestDatabase;

namespace {

std::string one_value(pqxx::connection& c, const std::string& sql) {
  pqxx::read_transaction tx(c);
  const auto field = tx.exec1(sql)[0];
  return field.is_null() ? "" : field.as<std::string>();
}

void run_sql(pqxx::connection& c, const std::string& sql) {
  pqxx::work tx(c);
  tx.exec(sql);
  tx.commit();
}

std::string owner_of(pqxx::connection& c, const std::string& table) {
  return one_value(c, "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = '" + table + "'::regclass");
}

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

// A database migrated the one-role way, and a runtime role for it (made by the tests); in the
// suite's cluster, or in `cluster`.
struct OneRole {
  TestRole runtime;  // before the database: dropped after it
  TestDatabase db;
  std::unique_ptr<pqxx::connection> c;
  std::string login_role;

  OneRole() : OneRole(cf::testing::cluster_url()) {}
  explicit OneRole(std::string cluster) : db(std::move(cluster)) {
    db.migrate();
    c = db.connect();
    login_role = one_value(*c, "SELECT current_user");
  }

  cf::store::RuntimeRole role() const {
    auto role = cf::store::runtime_role_of(cf::Secret(runtime.url_for(db)), db.secret_url());
    if (!role) throw std::runtime_error(role.error().message);
    return *role;
  }

  cf::Result<cf::store::MigrationReport> migrate_with_role() {
    auto connection = db.connect();
    return cf::store::migrate(*connection, role());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(the_one_role_setup_keeps_its_login_role_as_owner, OneRole) {
  auto again = cf::store::migrate(*c);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(!again->roles.has_value());
  BOOST_TEST(owner_of(*c, "leads") == login_role);
  BOOST_TEST(owner_of(*c, "webhook_events") == login_role);
  // The login role owns the schema's tables: serve warns about it, readiness does not refuse it.
  auto role = cf::store::check_runtime_role(*c);
  BOOST_REQUIRE(!role.ok());
  BOOST_TEST(role.error().message.find("role " + login_role + " owns, or is a member of the owner of, ") !=
             std::string::npos, role.error().message);
  auto isolation = cf::store::check_isolation(*c);
  BOOST_TEST(isolation.ok(), (isolation.ok() ? "" : isolation.error().message));
}

BOOST_FIXTURE_TEST_CASE(the_runtime_role_is_made_with_a_verifier_never_the_password, OneRole) {
  const auto role = this->role();
  BOOST_TEST(role.name == runtime.name());
  BOOST_TEST(role.password_verifier.rfind("SCRAM-SHA-256$", 0) == 0u, role.password_verifier);
  BOOST_TEST(role.password_verifier.find(runtime.password()) == std::string::npos);

  auto report = migrate_with_role();
  BOOST_REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().message));
  BOOST_REQUIRE(report->roles.has_value());
  BOOST_TEST(report->roles->created);
  BOOST_TEST(mentions(report->roles->changes, "objects from " + login_role + " to clientflow_owner"));
  for (const auto& line : report->roles->changes) BOOST_TEST(line.find(runtime.password()) == std::string::npos);
  BOOST_TEST(owner_of(*c, "leads") == "clientflow_owner");
  BOOST_TEST(owner_of(*c, "schema_migrations") == "clientflow_owner");
  BOOST_TEST(owner_of(*c, "leads_capture_seq") == "clientflow_owner");

  // The runtime role logs in with its password and has no power over the schema.
  pqxx::connection as_runtime(runtime.url_for(db));
  auto status = cf::store::check_runtime_role(as_runtime);
  BOOST_TEST(status.ok(), (status.ok() ? "" : status.error().message));
  auto isolation = cf::store::check_isolation(as_runtime);
  BOOST_TEST(isolation.ok(), (isolation.ok() ? "" : isolation.error().message));

  // The same without a password in database.url: a role for peer or certificate logins.
  auto bare = cf::store::runtime_role_of(cf::Secret("user=" + runtime.name() + "_x dbname=" + db.name()), db.secret_url());
  BOOST_REQUIRE(bare.ok());
  BOOST_TEST(bare->password_verifier == "");
  auto nameless = cf::store::runtime_role_of(cf::Secret("dbname=" + db.name()), db.secret_url());
  BOOST_REQUIRE(!nameless.ok());
  BOOST_TEST(nameless.error().message.find("database.url must name its user") == 0u);
}

BOOST_FIXTURE_TEST_CASE(the_runtime_role_sees_rows_as_the_policies_say, OneRole) {
  cf::store::TenantStore tenants(*c);
  const auto a = tenants.add(*cf::store::TenantDraft::make("A", "a@example.com", "ib-aaa111-"))->tenant.id;
  const auto b = tenants.add(*cf::store::TenantDraft::make("B", "b@example.com", "ib-bbb222-"))->tenant.id;
  BOOST_REQUIRE(migrate_with_role().ok());

  pqxx::connection as_runtime(runtime.url_for(db));
  {
    pqxx::work tx(as_runtime);
    tx.exec_params("INSERT INTO leads (tenant_id, email) VALUES ($1, 'a1@x.com'), ($1, 'a2@x.com'), ($2, 'b1@x.com')", a, b);
    tx.exec0("INSERT INTO webhook_events (dedup_key, source, event_type, status) VALUES ('k', 'account', 'X', 'routed')");
    tx.commit();
  }
  BOOST_TEST(one_value(as_runtime, "SELECT count(*) FROM leads") == "3");
  pqxx::work tx(as_runtime);
  cf::store::bind_to_tenant(tx, a);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM leads")[0].as<int>() == 2);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM tenants")[0].as<int>() == 1);
  BOOST_TEST(tx.exec_params1("SELECT clientflow_lead_exists_elsewhere($1)", "b1@x.com")[0].as<bool>());
  BOOST_CHECK_THROW(tx.exec("SELECT count(*) FROM webhook_events"), pqxx::insufficient_privilege);
}

BOOST_FIXTURE_TEST_CASE(an_existing_runtime_role_loses_what_could_change_the_schema, OneRole) {
  const std::string rt = runtime.name();
  run_sql(*c, "CREATE ROLE " + rt + " LOGIN CREATEROLE CREATEDB PASSWORD '" + runtime.password() + "';"
              "GRANT TRUNCATE, TRIGGER, REFERENCES ON leads TO " + rt + ";"
              "GRANT UPDATE (email) ON leads TO " + rt + ";"
              "GRANT " + login_role + " TO " + rt);
  {
    pqxx::read_transaction tx(*c);
    const auto before = cf::store::role_powers(tx, rt, cf::store::kRuntimeMemberships);
    BOOST_TEST(mentions(before, "role " + rt + " can create roles (CREATEROLE)"));
    BOOST_TEST(mentions(before, "role " + rt + " owns, or is a member of the owner of, "));
  }
  auto report = migrate_with_role();
  BOOST_REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().message));
  const auto& changes = report->roles->changes;
  BOOST_TEST(!report->roles->created);
  BOOST_TEST(mentions(changes, "removed CREATEROLE and CREATEDB from " + rt));
  BOOST_TEST(mentions(changes, "revoked membership in " + login_role + " from " + rt));
  BOOST_TEST(mentions(changes, "revoked the privileges granted to " + rt + " itself"));
  pqxx::read_transaction tx(*c);
  BOOST_TEST(cf::store::role_powers(tx, rt, cf::store::kRuntimeMemberships).empty());
  BOOST_TEST(tx.exec1("SELECT (SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a "
                      "         WHERE c.oid = 'leads'::regclass AND a.grantee = '" + rt + "'::regrole) + "
                      "       (SELECT count(*) FROM pg_attribute at, aclexplode(at.attacl) a "
                      "         WHERE at.attrelid = 'leads'::regclass AND a.grantee = '" + rt + "'::regrole)")[0]
                 .as<int>() == 0);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM pg_auth_members WHERE member = '" + rt + "'::regrole")[0].as<int>() == 2);
}

BOOST_FIXTURE_TEST_CASE(handing_the_runtime_role_the_schema_makes_the_check_fail_and_migrate_undoes_it, OneRole) {
  BOOST_REQUIRE(migrate_with_role().ok());
  const std::string rt = runtime.name();
  pqxx::connection as_runtime(runtime.url_for(db));
  BOOST_TEST(cf::store::check_isolation(as_runtime).ok());
  run_sql(*c, "GRANT clientflow_owner TO " + rt + "; GRANT CREATE ON SCHEMA public TO " + rt);
  auto status = cf::store::check_isolation(as_runtime);
  BOOST_REQUIRE(!status.ok());
  BOOST_TEST(status.error().message.find("role " + rt + " is a member of clientflow_owner") != std::string::npos,
             status.error().message);
  BOOST_TEST(status.error().message.find("role " + rt + " may create objects in schema public") != std::string::npos,
             status.error().message);

  auto repaired = migrate_with_role();
  BOOST_REQUIRE_MESSAGE(repaired.ok(), (repaired.ok() ? "" : repaired.error().message));
  BOOST_TEST(mentions(repaired->roles->changes, "revoked membership in clientflow_owner from " + rt));
  BOOST_TEST(mentions(repaired->roles->changes, "revoked CREATE on schema public from PUBLIC and " + rt));
  auto after = cf::store::check_isolation(as_runtime);
  BOOST_TEST(after.ok(), (after.ok() ? "" : after.error().message));
}

BOOST_FIXTURE_TEST_CASE(objects_the_migration_role_cannot_move_are_named, OneRole) {
  TestRole stranger_name;  // a name for a NOLOGIN role that owns one table
  const std::string stranger = stranger_name.name();
  run_sql(*c, "CREATE ROLE " + stranger + " NOLOGIN; GRANT " + stranger + " TO " + login_role + ";"
              "GRANT CREATE ON SCHEMA public TO " + stranger + ";"
              "CREATE TABLE stray (note text); ALTER TABLE stray OWNER TO " + stranger + ";"
              "REVOKE " + stranger + " FROM " + login_role);
  auto report = migrate_with_role();
  BOOST_REQUIRE(!report.ok());
  BOOST_TEST(report.error().message.find("cannot give clientflow_owner these objects, as it is not a member of their "
                                         "owner: table stray (owned by " + stranger + ")") != std::string::npos,
             report.error().message);
  // Nothing was half done: the runtime role does not exist, the tables still have their owner.
  BOOST_TEST(one_value(*c, "SELECT count(*) FROM pg_roles WHERE rolname = '" + runtime.name() + "'") == "0");
  BOOST_TEST(owner_of(*c, "leads") == login_role);
  run_sql(*c, "GRANT " + stranger + " TO " + login_role + "; DROP TABLE stray; REVOKE CREATE ON SCHEMA public FROM " +
                  stranger);
}

BOOST_FIXTURE_TEST_CASE(concurrent_runs_create_the_runtime_role_once, OneRole) {
  constexpr int kRunners = 4;
  const auto role = this->role();
  std::vector<std::thread> runners;
  std::vector<std::string> errors(kRunners);
  std::vector<int> created(kRunners, 0);
  for (int i = 0; i < kRunners; ++i) {
    runners.emplace_back([&, i] {
      try {
        auto connection = db.connect();
        auto report = cf::store::migrate(*connection, role);
        if (report.ok()) created[i] = report->roles->created ? 1 : 0;
        else errors[i] = report.error().message;
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& runner : runners) runner.join();
  int total = 0;
  for (int i = 0; i < kRunners; ++i) {
    BOOST_TEST(errors[i] == "");
    total += created[i];
  }
  BOOST_TEST(total == 1);
  BOOST_TEST(owner_of(*c, "leads") == "clientflow_owner");
}

BOOST_AUTO_TEST_CASE(two_databases_separate_their_roles_at_once) {
  // clientflow_owner and the memberships are cluster-wide: both runs must succeed.
  OneRole first, second;
  std::string error_first, error_second;
  std::thread a([&] {
    auto r = first.migrate_with_role();
    if (!r.ok()) error_first = r.error().message;
  });
  std::thread b([&] {
    auto r = second.migrate_with_role();
    if (!r.ok()) error_second = r.error().message;
  });
  a.join();
  b.join();
  BOOST_TEST(error_first == "");
  BOOST_TEST(error_second == "");
}

BOOST_FIXTURE_TEST_CASE(a_runtime_role_given_other_roles_is_refused_and_migrate_takes_them_back, OneRole) {
  BOOST_REQUIRE(migrate_with_role().ok());
  const std::string rt = runtime.name();
  TestRole group_name;  // a NOLOGIN role that carries a predefined one
  const std::string group = group_name.name();
  run_sql(*c, "CREATE ROLE " + group + " NOLOGIN; GRANT pg_read_all_data TO " + group + ";"
              "GRANT pg_read_server_files, pg_execute_server_program, " + group + " TO " + rt);
  pqxx::connection as_runtime(runtime.url_for(db));
  {
    // What such a membership gives: a program run on the server, as the server's own user.
    pqxx::work tx(as_runtime);
    tx.exec0("CREATE TEMP TABLE out (line text)");
    tx.exec0("COPY out FROM PROGRAM 'echo ran'");
    BOOST_TEST(tx.exec1("SELECT line FROM out")[0].as<std::string>() == "ran");
  }
  auto status = cf::store::check_isolation(as_runtime);
  BOOST_REQUIRE(!status.ok());
  BOOST_TEST(status.error().message ==
             "role " + rt + " is a member of " + group + ", whose privileges it may use\n"
             "role " + rt + " is a member of pg_execute_server_program, a predefined role with powers over the server "
             "or every table\n"
             "role " + rt + " is a member of pg_read_all_data through " + group + ", a predefined role with powers over "
             "the server or every table\n"
             "role " + rt + " is a member of pg_read_server_files, a predefined role with powers over the server or "
             "every table");

  auto repaired = migrate_with_role();
  BOOST_REQUIRE_MESSAGE(repaired.ok(), (repaired.ok() ? "" : repaired.error().message));
  for (const auto& revoked : {group, std::string("pg_read_server_files"), std::string("pg_execute_server_program")}) {
    BOOST_TEST(mentions(repaired->roles->changes, "revoked membership in " + revoked + " from " + rt), revoked);
  }
  auto after = cf::store::check_isolation(as_runtime);
  BOOST_TEST(after.ok(), (after.ok() ? "" : after.error().message));
  BOOST_TEST(one_value(*c, "SELECT count(*) FROM pg_auth_members WHERE member = '" + rt + "'::regrole") == "2");
}

BOOST_FIXTURE_TEST_CASE(a_security_definer_function_open_to_the_runtime_role_is_refused, OneRole) {
  BOOST_REQUIRE(migrate_with_role().ok());
  const std::string rt = runtime.name();
  run_sql(*c, "CREATE FUNCTION unforce(target regclass) RETURNS void LANGUAGE plpgsql SECURITY DEFINER "
              "SET search_path = pg_catalog "
              "AS $$ BEGIN EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', target); END $$;"
              "ALTER FUNCTION unforce(regclass) OWNER TO clientflow_owner;"
              "REVOKE ALL ON FUNCTION unforce(regclass) FROM PUBLIC;"
              "GRANT EXECUTE ON FUNCTION unforce(regclass) TO " + rt);
  pqxx::connection as_runtime(runtime.url_for(db));
  {
    // Through it the runtime role changes row-level security, which it cannot do itself.
    pqxx::work tx(as_runtime);
    tx.exec("SELECT unforce('leads')");
    BOOST_TEST(!tx.exec1("SELECT relforcerowsecurity FROM pg_class WHERE oid = 'leads'::regclass")[0].as<bool>());
    tx.abort();
  }
  auto status = cf::store::check_isolation(as_runtime);
  BOOST_REQUIRE(!status.ok());
  BOOST_TEST(status.error().message == "function unforce(regclass) runs with its owner's rights (SECURITY DEFINER) and "
                                       "is open to " + rt + "; it is not one of the declared ones");
  BOOST_REQUIRE(migrate_with_role().ok());  // takes back privileges granted to the runtime role itself
  auto after = cf::store::check_isolation(as_runtime);
  BOOST_TEST(after.ok(), (after.ok() ? "" : after.error().message));
}

BOOST_AUTO_TEST_CASE(the_shared_roles_given_other_roles_are_refused_and_migrate_takes_them_back) {
  // clientflow_tenant and clientflow_system are cluster-wide: this test changes them in a cluster
  // of its own.
  OwnCluster cluster;
  OneRole setup(cluster.url());
  auto& c = *setup.c;
  run_sql(c, "GRANT pg_execute_server_program TO clientflow_tenant");
  {
    // A tenant transaction could now run programs on the server.
    pqxx::work tx(c);
    tx.exec0("SET LOCAL ROLE clientflow_tenant");
    tx.exec0("CREATE TEMP TABLE out (line text)");
    tx.exec0("COPY out FROM PROGRAM 'echo ran'");
    BOOST_TEST(tx.exec1("SELECT count(*) FROM out")[0].as<int>() == 1);
  }
  {
    // With one role, the check covers clientflow_tenant, which must be a member of nothing.
    auto status = cf::store::check_isolation(c);
    BOOST_REQUIRE(!status.ok());
    BOOST_TEST(status.error().message == "role clientflow_tenant is a member of pg_execute_server_program, a predefined "
                                         "role with powers over the server or every table");
  }
  auto separated = setup.migrate_with_role();
  BOOST_REQUIRE_MESSAGE(separated.ok(), (separated.ok() ? "" : separated.error().message));
  BOOST_TEST(mentions(separated->roles->changes, "revoked membership in pg_execute_server_program from clientflow_tenant"));

  const std::string rt = setup.runtime.name();
  pqxx::connection as_runtime(setup.runtime.url_for(setup.db));
  BOOST_TEST(cf::store::check_isolation(as_runtime).ok());
  run_sql(c, "GRANT pg_read_server_files TO clientflow_system; GRANT pg_signal_backend TO clientflow_tenant");
  {
    // What the runtime role now has through clientflow_system: any file the server can read.
    pqxx::work tx(as_runtime);
    tx.exec0("CREATE TEMP TABLE lines (line text)");
    tx.exec0("COPY lines FROM '/etc/passwd'");
    BOOST_TEST(tx.exec1("SELECT count(*) FROM lines")[0].as<int>() > 0);
  }
  auto status = cf::store::check_isolation(as_runtime);
  BOOST_REQUIRE(!status.ok());
  BOOST_TEST(status.error().message ==
             "role clientflow_tenant is a member of pg_signal_backend, a predefined role with powers over the server or "
             "every table\n"
             "role " + rt + " is a member of pg_read_server_files through clientflow_system, a predefined role with "
             "powers over the server or every table\n"
             "role " + rt + " is a member of pg_signal_backend through clientflow_tenant, a predefined role with powers "
             "over the server or every table");

  auto repaired = setup.migrate_with_role();
  BOOST_REQUIRE_MESSAGE(repaired.ok(), (repaired.ok() ? "" : repaired.error().message));
  BOOST_TEST(mentions(repaired->roles->changes, "revoked membership in pg_read_server_files from clientflow_system"));
  BOOST_TEST(mentions(repaired->roles->changes, "revoked membership in pg_signal_backend from clientflow_tenant"));
  auto after = cf::store::check_isolation(as_runtime);
  BOOST_TEST(after.ok(), (after.ok() ? "" : after.error().message));
}
