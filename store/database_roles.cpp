#include "store/database_roles.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>

#include "store/database.h"

namespace cf::store {

namespace {

// The objects of the current schema that have an owner of their own, with the ALTER command
// that names them: relations (indexes and sequences owned by a column follow their table),
// functions, and domains, enums and ranges. Members of extensions are left to the extension.
constexpr const char* kSchemaObjects = R"sql(
  SELECT kind, ident, owner FROM (
    SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                          WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END AS kind,
           c.oid::regclass::text AS ident, c.relowner AS owner, 'pg_class'::regclass AS catalog, c.oid
      FROM pg_class c
     WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
       AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c')
       AND NOT (c.relkind = 'S' AND EXISTS (
             SELECT 1 FROM pg_depend d
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
    UNION ALL
    SELECT CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, p.oid::regprocedure::text,
           p.proowner, 'pg_proc'::regclass, p.oid
      FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype::text, t.typowner,
           'pg_type'::regclass, t.oid
      FROM pg_type t
     WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
       AND t.typtype IN ('d', 'e', 'r')
  ) o
  WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
                     WHERE d.classid = o.catalog AND d.objid = o.oid AND d.deptype = 'e'))sql";

// At most this many object names in one line of role_powers().
constexpr std::size_t kNamesShown = 5;

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

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

// What a membership in `group` gives, for role_powers().
std::string what_membership_gives(const std::string& group) {
  if (group == kSystemRole) return "whose policies admit every row";
  if (group == kOwnerRole) return "which owns the schema";
  if (group.rfind("pg_", 0) == 0) return "a predefined role with powers over the server or every table";
  return "whose privileges it may use";
}

// The roles `role` is a member of, directly or through others (a member may act as any of them),
// each with the direct membership it comes through ("" for a direct one), by name.
std::vector<std::pair<std::string, std::string>> memberships(pqxx::transaction_base& tx, const std::string& role) {
  const auto rows = tx.exec_params(R"sql(
      WITH RECURSIVE member_of(roleid, through) AS (
        SELECT m.roleid, NULL::oid FROM pg_auth_members m
         WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)
        UNION
        SELECT m.roleid, coalesce(p.through, p.roleid) FROM pg_auth_members m JOIN member_of p ON m.member = p.roleid
      )
      SELECT DISTINCT ON (g.rolname) g.rolname, coalesce(pg_get_userbyid(p.through)::text, '')
        FROM member_of p JOIN pg_roles g ON g.oid = p.roleid
       ORDER BY g.rolname, p.through IS NOT NULL, 2)sql",
                                   role);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : rows) out.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
  return out;
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

std::vector<std::string> role_powers(pqxx::transaction_base& tx, const std::string& role,
                                     const std::vector<std::string>& may_be_member_of) {
  std::vector<std::string> powers;
  const std::string who = "role " + role;
  const auto attributes =
      tx.exec_params("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = $1", role);
  if (attributes.empty()) return {who + " does not exist"};
  if (attributes[0][0].as<bool>()) powers.push_back(who + " is a superuser");
  if (attributes[0][1].as<bool>()) powers.push_back(who + " can bypass row-level security (BYPASSRLS)");
  if (attributes[0][2].as<bool>()) powers.push_back(who + " can create roles (CREATEROLE)");
  for (const auto& [group, through] : memberships(tx, role)) {
    if (listed(may_be_member_of, group)) continue;
    powers.push_back(who + " is a member of " + group + (through.empty() ? "" : " through " + through) + ", " +
                     what_membership_gives(group));
  }

  const auto owned = tx.exec_params(std::string("SELECT lower(kind) || ' ' || ident FROM (") + kSchemaObjects +
                                        R"sql(
      UNION ALL SELECT 'schema', current_schema()::text, nspowner FROM pg_namespace WHERE nspname = current_schema()
      UNION ALL SELECT 'database', current_database()::text, datdba FROM pg_database WHERE datname = current_database()
    ) objects WHERE pg_has_role($1, owner, 'MEMBER') ORDER BY 1)sql",
                                    role);
  if (!owned.empty()) {
    std::string names;
    for (std::size_t i = 0; i < owned.size() && i < kNamesShown; ++i) {
      names += (i == 0 ? "" : ", ") + owned[i][0].as<std::string>();
    }
    if (owned.size() > kNamesShown) names += ", ...";
    powers.push_back(who + " owns, or is a member of the owner of, " + std::to_string(owned.size()) +
                     " objects that define the schema or its security (" + names + ")");
  }
  if (holds(tx, "SELECT has_schema_privilege($1, current_schema(), 'CREATE')", role)) {
    powers.push_back(who + " may create objects in schema " +
                     tx.exec1("SELECT current_schema()")[0].as<std::string>());
  }
  const auto tables = tx.exec_params(R"sql(
      SELECT c.relname, has_table_privilege($1, c.oid, 'TRUNCATE'), has_table_privilege($1, c.oid, 'TRIGGER')
        FROM pg_class c
       WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relkind IN ('r', 'p')
         AND NOT pg_has_role($1, c.relowner, 'MEMBER')
         AND (has_table_privilege($1, c.oid, 'TRUNCATE') OR has_table_privilege($1, c.oid, 'TRIGGER'))
       ORDER BY c.relname)sql",
                                     role);
  for (const auto& row : tables) {
    const std::string table = row[0].as<std::string>();
    if (row[1].as<bool>()) powers.push_back(who + " may TRUNCATE table " + table + " (TRUNCATE ignores row-level security)");
    if (row[2].as<bool>()) powers.push_back(who + " may create triggers on table " + table);
  }
  return powers;
}

bool roles_separated(pqxx::transaction_base& tx) {
  return tx.exec1(R"sql(
      SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                      WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relkind IN ('r', 'p')
                        AND r.rolname = 'clientflow_owner'))sql")[0]
      .as<bool>();
}

Status check_runtime_role(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  const auto powers = role_powers(tx, tx.exec1("SELECT current_user")[0].as<std::string>(), kRuntimeMemberships);
  if (powers.empty()) return Status::success();
  std::string lines;
  for (const auto& power : powers) lines += (lines.empty() ? "" : "\n") + power;
  return internal_error(lines);
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
    std::string me, schema_name, schema;
    const std::string owner = kOwnerRole;
    {
      // The owner role and the migration role's membership, committed on their own: cluster-wide,
      // and named by the advice below when moving objects fails.
      pqxx::work tx(connection);
      me = tx.exec1("SELECT current_user")[0].as<std::string>();
      if (auto distinct = runtime_role_is_another(tx, runtime); !distinct) return distinct.error();
      schema_name = tx.exec1("SELECT current_schema()")[0].as<std::string>();
      schema = tx.quote_name(schema_name);
      if (!holds(tx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", owner)) {
        apply_cluster_wide(tx, "CREATE ROLE " + owner + " NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS");
        report.changes.push_back("created role " + owner + " (NOLOGIN), which owns the schema");
      }
      if (!holds(tx, "SELECT pg_has_role(current_user, $1, 'MEMBER')", owner)) {
        apply_cluster_wide(tx, "GRANT " + owner + " TO " + tx.quote_name(me));
      }
      if (!holds(tx, "SELECT pg_has_role($1, 'clientflow_system', 'MEMBER')", owner)) {
        apply_cluster_wide(tx, "GRANT clientflow_system TO " + owner);
      }
      if (!holds(tx, "SELECT has_schema_privilege($1, current_schema(), 'CREATE')", owner)) {
        tx.exec0("GRANT USAGE, CREATE ON SCHEMA " + schema + " TO " + owner);
      }
      tx.commit();
    }

    pqxx::work tx(connection);
    // Every object of the schema to the owner role.
    const auto objects = tx.exec(std::string("SELECT kind, ident, pg_get_userbyid(owner), pg_has_role(current_user, owner, 'MEMBER') FROM (") +
                                 kSchemaObjects + ") objects WHERE owner <> '" + owner + "'::regrole ORDER BY 1, 2");
    std::string stranded;
    std::map<std::string, int> moved_from;
    for (const auto& row : objects) {
      const std::string kind = row[0].as<std::string>(), ident = row[1].as<std::string>(), from = row[2].as<std::string>();
      if (!row[3].as<bool>()) {
        stranded += (stranded.empty() ? "" : ", ") + lower(kind) + " " + ident + " (owned by " + from + ")";
        continue;
      }
      tx.exec0("ALTER " + kind + " " + ident + " OWNER TO " + owner);
      ++moved_from[from];
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

    // The runtime role: made when missing, stripped of what it must not have.
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
    } else {
      if (attributes[0][0].as<bool>()) {
        return internal_error("role " + runtime.name + " (database.url) is a superuser or can bypass row-level "
                              "security; as a superuser, run ALTER ROLE " + role +
                              " NOSUPERUSER NOBYPASSRLS, then migrate again");
      }
      if (attributes[0][1].as<bool>() || attributes[0][2].as<bool>()) {
        tx.exec0("ALTER ROLE " + role + " NOCREATEROLE NOCREATEDB");
        report.changes.push_back("removed CREATEROLE and CREATEDB from " + runtime.name);
      }
    }
    // Memberships, each of which could hand it the schema (an owning or privileged role) or
    // powers past it (a predefined role): every one but its two roles', and any of those two
    // roles' own, which are members of nothing.
    const auto revoke_memberships = [&](const std::string& member, const std::vector<std::string>& keep) {
      const auto groups = tx.exec_params(R"sql(
          SELECT DISTINCT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
           WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1)sql",
                                         member);
      for (const auto& row : groups) {
        const std::string group = row[0].as<std::string>();
        if (listed(keep, group)) continue;
        tx.exec0("REVOKE " + tx.quote_name(group) + " FROM " + tx.quote_name(member));
        report.changes.push_back("revoked membership in " + group + " from " + member);
      }
    };
    revoke_memberships(runtime.name, kRuntimeMemberships);
    for (const auto& group : kRuntimeMemberships) revoke_memberships(group, {});
    // Its two roles, once nothing else could hand them over (a revoked role may have).
    for (const auto& group : kRuntimeMemberships) {
      if (!holds(tx, "SELECT pg_has_role($1, " + tx.quote(group) + ", 'MEMBER')", runtime.name)) {
        apply_cluster_wide(tx, "GRANT " + tx.quote_name(group) + " TO " + role);
      }
    }
    // Privileges granted to it directly (its roles give it what it needs).
    if (holds(tx, R"sql(
          SELECT EXISTS (SELECT 1 FROM pg_class c, aclexplode(c.relacl) a
                          WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
                            AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1))
              OR EXISTS (SELECT 1 FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid, aclexplode(at.attacl) a
                          WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
                            AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1))
              OR EXISTS (SELECT 1 FROM pg_proc p, aclexplode(p.proacl) a
                          WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
                            AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)))sql",
              runtime.name)) {
      tx.exec0("REVOKE ALL ON ALL TABLES IN SCHEMA " + schema + " FROM " + role);
      tx.exec0("REVOKE ALL ON ALL SEQUENCES IN SCHEMA " + schema + " FROM " + role);
      tx.exec0("REVOKE ALL ON ALL ROUTINES IN SCHEMA " + schema + " FROM " + role);
      report.changes.push_back("revoked the privileges granted to " + runtime.name +
                               " itself on the schema's objects (its roles give what serve needs)");
    }
    if (holds(tx, "SELECT has_schema_privilege($1, current_schema(), 'CREATE')", runtime.name)) {
      tx.exec0("REVOKE CREATE ON SCHEMA " + schema + " FROM PUBLIC, " + role);
      report.changes.push_back("revoked CREATE on schema " + schema_name + " from PUBLIC and " + runtime.name);
    }
    // What serve needs that PUBLIC usually has.
    const std::string database = tx.quote_name(tx.exec1("SELECT current_database()")[0].as<std::string>());
    for (const char* privilege : {"CONNECT", "TEMPORARY"}) {
      if (!holds(tx, std::string("SELECT has_database_privilege($1, current_database(), '") + privilege + "')",
                 runtime.name)) {
        tx.exec0(std::string("GRANT ") + privilege + " ON DATABASE " + database + " TO " + role);
      }
    }
    if (!holds(tx, "SELECT has_schema_privilege($1, current_schema(), 'USAGE')", runtime.name)) {
      tx.exec0("GRANT USAGE ON SCHEMA " + schema + " TO clientflow_system, clientflow_tenant");
    }

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
