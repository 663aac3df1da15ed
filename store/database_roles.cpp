#include "store/database_roles.h"

#include <libpq-fe.h>

#include <algorithm>
#include <map>
#include <memory>

#include "store/database.h"
#include "store/queries.h"
#include "store/schema_objects.h"
#include "store/statements.h"

namespace cf::store {

namespace {

// Runs `sql` in a savepoint; another migrate in the cluster doing the same at the same moment
// (roles are cluster-wide) makes it a duplicate, which is what was wanted.
void apply_cluster_wide(pqxx::work& tx, const std::string& sql) {
  try {
    pqxx::subtransaction step(tx, "cluster_wide");
    step.exec0(sql);
    step.commit();
  } catch (const pqxx::unique_violation&) {
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() != "42710") throw;  // duplicate_object
  }
}

bool holds(pqxx::transaction_base& tx, const std::string& sql, const std::string& role) {
  return tx.exec_params1(sql, role)[0].as<bool>();
}

bool listed(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// libpq's verifier for `password`, as the server at `server` stores passwords.
Result<std::string> password_verifier(const Secret& server, const std::string& user, const std::string& password) {
  auto info = tagged_conninfo(server);
  if (!info) return info.error();
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(info->c_str()), &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK) return connection_refused(PQerrorMessage(connection.get()));
  char* verifier = PQencryptPasswordConn(connection.get(), password.c_str(), user.c_str(), nullptr);
  if (verifier == nullptr) return internal_error("PostgreSQL could not turn the password of database.url into a verifier");
  std::string out = verifier;
  PQfreemem(verifier);
  return out;
}

// Who runs migrate, and the schema it sets up.
struct Migrator {
  std::string me;           // current_user, the migration role
  std::string schema_name;  // current_schema()
  std::string schema;       // the same, quoted as an identifier
};

// The owner role and the migration role's membership, committed on their own: cluster-wide, and
// named by the advice separate_roles() gives when moving objects fails.
Result<Migrator> prepare_owner_role(pqxx::connection& connection, const RuntimeRole& runtime, RoleReport& report) {
  const std::string owner = kOwnerRole;
  pqxx::work tx(connection);
  Migrator migrator;
  migrator.me = tx.exec1("SELECT current_user")[0].as<std::string>();
  if (auto distinct = runtime_role_is_another(tx, runtime); !distinct) return distinct.error();
  migrator.schema_name = tx.exec1("SELECT current_schema()")[0].as<std::string>();
  migrator.schema = tx.quote_name(migrator.schema_name);
  if (!holds(tx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", owner)) {
    apply_cluster_wide(tx, "CREATE ROLE " + owner + " NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS");
    report.changes.push_back("created role " + owner + " (NOLOGIN), which owns the schema");
  }
  if (!holds(tx, "SELECT pg_has_role(current_user, $1, 'MEMBER')", owner)) {
    apply_cluster_wide(tx, "GRANT " + owner + " TO " + tx.quote_name(migrator.me));
  }
  if (!holds(tx, "SELECT pg_has_role($1, 'clientflow_system', 'MEMBER')", owner)) {
    apply_cluster_wide(tx, "GRANT clientflow_system TO " + owner);
  }
  if (!holds(tx, "SELECT has_schema_privilege($1, current_schema(), 'CREATE')", owner)) {
    tx.exec0("GRANT USAGE, CREATE ON SCHEMA " + migrator.schema + " TO " + owner);
  }
  tx.commit();
  return migrator;
}

// Every object of the schema to the owner role; fails, naming them, when the migration role
// cannot act for the owner of some.
Status give_objects_to_owner(pqxx::work& tx, const std::string& me, RoleReport& report) {
  const std::string owner = kOwnerRole;
  std::string stranded;
  std::map<std::string, int> moved_from;
  for (const auto& object : schema_objects(tx, me)) {
    if (object.is_schema_or_database() || object.owner == owner) continue;
    if (!object.current_user_may_act) {
      stranded += (stranded.empty() ? "" : ", ") + object.described() + " (owned by " + object.owner + ")";
      continue;
    }
    tx.exec0("ALTER " + object.kind + " " + object.ident + " OWNER TO " + owner);
    ++moved_from[object.owner];
  }
  if (!stranded.empty()) {
    return internal_error("the migration role " + me + " cannot give " + owner + " these objects, as it is not a "
                          "member of their owner: " + stranded + ". As a superuser, run REASSIGN OWNED BY <their "
                          "owner> TO " + owner + " in this database, then migrate again");
  }
  for (const auto& [from, count] : moved_from) {
    report.changes.push_back("moved " + std::to_string(count) + " objects from " + from + " to " + owner);
  }
  if (!tx.exec1("SELECT has_table_privilege('clientflow_system', 'schema_migrations', 'SELECT')")[0].as<bool>()) {
    tx.exec0("GRANT SELECT ON schema_migrations TO clientflow_system");
  }
  return Status::success();
}

// The runtime role: made when missing, stripped of CREATEROLE and CREATEDB; fails when it is a
// superuser or can bypass row-level security, which only a superuser can change.
Status make_runtime_role(pqxx::work& tx, const RuntimeRole& runtime, RoleReport& report) {
  const std::string role = tx.quote_name(runtime.name);
  const auto attributes = tx.exec_params(
      "SELECT rolsuper OR rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1", runtime.name);
  if (attributes.empty()) {
    std::string create = "CREATE ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION";
    if (!runtime.password_verifier.empty()) create += " PASSWORD " + tx.quote(runtime.password_verifier);
    apply_cluster_wide(tx, create);
    report.created = true;
    report.changes.push_back("created role " + runtime.name + " for serve (LOGIN, member of clientflow_system and "
                             "clientflow_tenant only)");
    return Status::success();
  }
  if (attributes[0][0].as<bool>()) {
    return internal_error("role " + runtime.name + " (database.url) is a superuser or can bypass row-level "
                          "security; as a superuser, run ALTER ROLE " + role +
                          " NOSUPERUSER NOBYPASSRLS, then migrate again");
  }
  if (attributes[0][1].as<bool>() || attributes[0][2].as<bool>()) {
    tx.exec0("ALTER ROLE " + role + " NOCREATEROLE NOCREATEDB");
    report.changes.push_back("removed CREATEROLE and CREATEDB from " + runtime.name);
  }
  return Status::success();
}

// Revokes `member`'s direct memberships but those in `keep`.
void revoke_memberships(pqxx::work& tx, const std::string& member, const std::vector<std::string>& keep,
                        RoleReport& report) {
  for (const auto& row : exec_statement(tx, sql::roles_direct_memberships, member)) {
    const std::string group = row[0].as<std::string>();
    if (listed(keep, group)) continue;
    tx.exec0("REVOKE " + tx.quote_name(group) + " FROM " + tx.quote_name(member));
    report.changes.push_back("revoked membership in " + group + " from " + member);
  }
}

// The runtime role's memberships: each of which could hand it the schema (an owning or privileged
// role) or powers past it (a predefined role): every one but its two roles', and any of those two
// roles' own, which are members of nothing; then its two roles, once nothing else could hand them
// over (a revoked role may have).
void settle_memberships(pqxx::work& tx, const RuntimeRole& runtime, RoleReport& report) {
  revoke_memberships(tx, runtime.name, kRuntimeMemberships, report);
  for (const auto& group : kRuntimeMemberships) revoke_memberships(tx, group, {}, report);
  for (const auto& group : kRuntimeMemberships) {
    if (!tx.exec_params1("SELECT pg_has_role($1, $2, 'MEMBER')", runtime.name, group)[0].as<bool>()) {
      apply_cluster_wide(tx, "GRANT " + tx.quote_name(group) + " TO " + tx.quote_name(runtime.name));
    }
  }
}

// The runtime role's privileges: none granted to it directly (its roles give it what it needs),
// no CREATE on the schema, and what serve needs that PUBLIC usually has.
void settle_privileges(pqxx::work& tx, const RuntimeRole& runtime, const Migrator& migrator, RoleReport& report) {
  const std::string role = tx.quote_name(runtime.name), schema = migrator.schema;
  if (exec_statement1(tx, sql::roles_direct_privileges, runtime.name)[0].as<bool>()) {
    tx.exec0("REVOKE ALL ON ALL TABLES IN SCHEMA " + schema + " FROM " + role);
    tx.exec0("REVOKE ALL ON ALL SEQUENCES IN SCHEMA " + schema + " FROM " + role);
    tx.exec0("REVOKE ALL ON ALL ROUTINES IN SCHEMA " + schema + " FROM " + role);
    report.changes.push_back("revoked the privileges granted to " + runtime.name +
                             " itself on the schema's objects (its roles give what serve needs)");
  }
  if (holds(tx, "SELECT has_schema_privilege($1, current_schema(), 'CREATE')", runtime.name)) {
    tx.exec0("REVOKE CREATE ON SCHEMA " + schema + " FROM PUBLIC, " + role);
    report.changes.push_back("revoked CREATE on schema " + migrator.schema_name + " from PUBLIC and " + runtime.name);
  }
  const std::string database = tx.quote_name(tx.exec1("SELECT current_database()")[0].as<std::string>());
  for (const char* privilege : {"CONNECT", "TEMPORARY"}) {
    if (!tx.exec_params1("SELECT has_database_privilege($1, current_database(), $2)", runtime.name,
                         std::string(privilege))[0].as<bool>()) {
      tx.exec0(std::string("GRANT ") + privilege + " ON DATABASE " + database + " TO " + role);
    }
  }
  if (!holds(tx, "SELECT has_schema_privilege($1, current_schema(), 'USAGE')", runtime.name)) {
    tx.exec0("GRANT USAGE ON SCHEMA " + schema + " TO clientflow_system, clientflow_tenant");
  }
}

}  // namespace

Result<RuntimeRole> runtime_role_of(const Secret& url, const Secret& migration_url) {
  auto values = conninfo_values(url.reveal());
  if (!values) return values.error();
  const std::string user = (*values)["user"], password = (*values)["password"];
  if (user.empty()) {
    return invalid_input("database.url must name its user when database.migration_url is set: "
                         "it is the role serve logs in as, which migrate sets up");
  }
  RuntimeRole role{user, ""};
  if (!password.empty()) {
    auto verifier = password_verifier(migration_url, user, password);
    if (!verifier) return verifier.error();
    role.password_verifier = *verifier;
  }
  return role;
}

Status runtime_role_is_another(pqxx::transaction_base& tx, const RuntimeRole& runtime) {
  const auto me = tx.exec1("SELECT current_user")[0].as<std::string>();
  if (me != runtime.name) return Status::success();
  return invalid_input("database.url and database.migration_url name the same role (" + me +
                       "); give serve a login role of its own, which migrate creates");
}

Result<RoleReport> separate_roles(pqxx::connection& connection, const RuntimeRole& runtime) {
  try {
    RoleReport report;
    auto migrator = prepare_owner_role(connection, runtime, report);
    if (!migrator) return migrator.error();
    pqxx::work tx(connection);
    if (auto given = give_objects_to_owner(tx, migrator->me, report); !given) return given.error();
    if (auto made = make_runtime_role(tx, runtime, report); !made) return made.error();
    settle_memberships(tx, runtime, report);
    settle_privileges(tx, runtime, *migrator, report);
    const auto left = role_powers(tx, runtime.name, kRuntimeMemberships);
    if (!left.empty()) {
      std::string lines;
      for (const auto& power : left) lines += (lines.empty() ? "" : "; ") + power;
      return internal_error("database.url's role could still change the schema or reach past it: " + lines +
                            "; as a superuser, take these away, then migrate again");
    }
    tx.commit();
    return report;
  } catch (const std::exception& e) {
    return database_error(e, "separate database roles");
  }
}

}  // namespace cf::store
