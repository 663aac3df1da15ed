// Two database roles: one that owns the schema, one that serves. The schema's objects belong to
// clientflow_owner, a NOLOGIN role; the migration login role (database.migration_url) is a
// member of it and applies migrations. `serve` logs in as a runtime role (database.url) that is
// a member of clientflow_system and clientflow_tenant only, which are members of nothing: it
// reads and writes rows as the policies allow, can change neither the schema nor row-level
// security, and has none of the powers of PostgreSQL's predefined roles. separate_roles()
// brings a database there, also one made by the one-role setup (where the login role owns
// everything); role_powers() says what a role could still change. With one role for both (no
// migration_url) nothing here runs, and the login role keeps owning the schema as before.
// Functions use the connection or transaction they are given, from one thread at a time.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/result.h"
#include "config/secret.h"

namespace cf::store {

inline constexpr const char* kOwnerRole = "clientflow_owner";
inline constexpr const char* kSystemRole = "clientflow_system";

// The roles the runtime role is a member of, and the only ones it may be a member of, directly or
// not: clientflow_tenant and clientflow_system are members of no role.
inline const std::vector<std::string> kRuntimeMemberships{kSystemRole, "clientflow_tenant"};

// The role `serve` logs in as, as migrate needs it.
struct RuntimeRole {
  std::string name;
  // What CREATE ROLE ... PASSWORD takes (a SCRAM verifier, never the password in clear); empty
  // when database.url holds no password (peer, certificate or .pgpass logins).
  std::string password_verifier;
};

// The runtime role database.url (`url`) logs in as. Its password becomes a verifier computed
// by libpq for the server at `migration_url` (PQencryptPasswordConn, with that server's
// password_encryption). invalid_input when `url` does not parse or names no user (no message
// repeats either URL); unavailable when that server cannot be reached.
Result<RuntimeRole> runtime_role_of(const Secret& url, const Secret& migration_url);

// What separate_roles() changed, one line each, for `migrate` to print (no secret in any).
struct RoleReport {
  bool created = false;  // the runtime role was made by this call
  std::vector<std::string> changes;
};

// invalid_input when `tx` runs as `runtime` itself: one role cannot be both.
Status runtime_role_is_another(pqxx::transaction_base& tx, const RuntimeRole& runtime);

// Run on the migration role's connection, after the migrations and under their lock. Makes
// clientflow_owner (NOLOGIN, a member of clientflow_system so that its SECURITY DEFINER
// functions pass the policies) own every object of the current schema, with the migration role
// a member of it; gives `runtime` what serve needs: LOGIN (created with its password when
// missing), membership in clientflow_system and clientflow_tenant, CONNECT and TEMPORARY on
// the database, USAGE on the schema, SELECT on schema_migrations; and takes away what would let
// it change the schema or reach past its security: membership in any other role (an owning
// one, a predefined one such as pg_read_server_files, ...), and any membership of
// clientflow_system and clientflow_tenant themselves; CREATEROLE and CREATEDB, CREATE on the
// schema, privileges granted to it directly on the schema's objects. A second run changes
// nothing; two at once (on any databases of the cluster) are safe. Fails, leaving the runtime
// role as it was, when database.url and migration_url name the same role (invalid_input), when
// an object belongs to a role the migration role cannot act for, or when the runtime role
// could still change the schema or reach past it afterwards (a superuser or BYPASSRLS role,
// which only a superuser can change, or a membership the migration role could not revoke); the
// message says what to run.
Result<RoleReport> separate_roles(pqxx::connection& connection, const RuntimeRole& runtime);

// What `role` could change in the current schema or its row-level security, or reach past it
// with, one line each: superuser, BYPASSRLS or CREATEROLE; membership, directly or through
// another role, in any role but `may_be_member_of` (clientflow_owner, a predefined role such as
// pg_read_server_files or pg_execute_server_program, ...), named with the role it comes
// through; owning (or being a member of the owner of) objects of the schema, the schema or the
// database; CREATE on the schema; TRUNCATE (which ignores row-level security) or TRIGGER on a
// table. Empty when none.
std::vector<std::string> role_powers(pqxx::transaction_base& tx, const std::string& role,
                                     const std::vector<std::string>& may_be_member_of);

// True when the schema's tables belong to clientflow_owner: separate_roles() has run.
bool roles_separated(pqxx::transaction_base& tx);

// The role this connection runs as (current_user) against role_powers(), as a runtime role
// (kRuntimeMemberships): ok when it could change nothing; otherwise an internal error naming
// each power, one per line.
Status check_runtime_role(pqxx::connection& connection);

}  // namespace cf::store
