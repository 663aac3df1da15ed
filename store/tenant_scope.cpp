#include "store/tenant_scope.h"

#include <cctype>
#include <map>
#include <optional>
#include <vector>

#include "store/database_roles.h"

namespace cf::store {

void bind_to_tenant(pqxx::transaction_base& tx, const std::string& tenant_id) {
  tx.exec0(std::string("SET LOCAL ROLE ") + kTenantRole);
  tx.exec_params("SELECT set_config('app.tenant_id', $1, true), set_config('statement_timeout', $2, true)", tenant_id,
                 std::to_string(kTenantStatementSeconds) + "s");
}

}  // namespace cf::store

namespace cf::store {

namespace {

// The row-level security sql/001 declares, as pg_get_expr prints it. Every declared policy is
// PERMISSIVE, FOR ALL commands, and for one role. Tables made later get theirs from the same
// SQL functions, so adding a table needs no change here; a new kind of table would add a list.
struct DeclaredPolicy {
  const char* name;
  const char* role;
  const char* using_expr;
  const char* check_expr;  // nullptr: no WITH CHECK
};

const DeclaredPolicy kSystemAll{"system_all", "clientflow_system", "true", "true"};
const DeclaredPolicy kTenantIsolation{"tenant_isolation", kTenantRole, "(tenant_id = clientflow_current_tenant())",
                                      "(tenant_id = clientflow_current_tenant())"};
const DeclaredPolicy kTenantSelf{"tenant_self", kTenantRole, "(id = clientflow_current_tenant())", nullptr};

// Tables with a tenant_id column (clientflow_isolate_tenant_table).
const std::vector<DeclaredPolicy> kTenantTable{kTenantIsolation, kSystemAll};
// tenants: a tenant sees its own row.
const std::vector<DeclaredPolicy> kTenantsTable{kTenantSelf, kSystemAll};
// Every other table with row-level security or policies, or that the tenant role may touch
// (clientflow_system_table).
const std::vector<DeclaredPolicy> kSystemTable{kSystemAll};

// The functions the policies and the tenant role rely on, as their migrations create them. Any
// other SECURITY DEFINER function that the tenant role (or, once the roles are separated, the
// runtime role) may execute fails the check; a migration that adds one, or replaces one of these,
// declares it here. A body's digest comes from the migrated database:
//   SELECT encode(sha256(convert_to(prosrc, 'UTF8')), 'hex') FROM pg_proc WHERE proname = '...'
struct DeclaredFunction {
  const char* name;            // in the current schema
  const char* argument_types;  // as oidvectortypes() prints them
  bool security_definer;
  const char* body_sha256;     // of prosrc
  const char* settings;        // proconfig, "; "-separated; "" for none
  const char* why;             // what it decides, for the problem's line
};

constexpr const char* kPinnedSearchPath = "search_path=pg_catalog, public";
constexpr const char* kRunsAsOwner = "it runs with its owner's rights for clientflow_tenant";

const std::vector<DeclaredFunction> kDeclaredFunctions{
    // sql/001
    {"clientflow_current_tenant", "", false, "6eabf37091388ca39003486d896de990a3e86e4396dc96e1191c316dc5994722", "",
     "it decides which rows a tenant sees"},
    // sql/003
    {"clientflow_lead_exists_elsewhere", "text", true,
     "034c5ab0df153fe29e05bb229d0f016ede401eb5d87b424bcb885c1588269be5", kPinnedSearchPath, kRunsAsOwner},
    // sql/006
    {"clientflow_route_waiting_rule_deliveries", "uuid, uuid", true,
     "4b0424d3ce72fac79c4252852deb00b8b8c9156207740c0ec536ed04ac1d2f30", kPinnedSearchPath, kRunsAsOwner},
};

// True when role $1 holds any privilege on relation `c`, or on one of its columns.
constexpr const char* kRoleMayTouch = R"sql(
    (has_table_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
     OR has_any_column_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES')))sql";

// The schemas users make, as opposed to PostgreSQL's own (pg_*, a prefix only a superuser may use,
// and information_schema). Expects the schema as `n`.
constexpr const char* kUserSchema = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'";

// `sql` without whitespace outside quoted text and without parentheses around the whole of it,
// so that two spellings of one expression compare equal.
std::string normalised(const std::string& sql) {
  std::string out;
  char quote = 0;
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      continue;
    }
    out.push_back(c);
  }
  for (;;) {
    if (out.size() < 2 || out.front() != '(' || out.back() != ')') return out;
    int depth = 0;
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
      if (out[i] == '(') ++depth;
      if (out[i] == ')' && --depth == 0) return out;  // the first parenthesis closes early
    }
    out = out.substr(1, out.size() - 2);
  }
}

bool same_expression(const std::optional<std::string>& actual, const char* declared) {
  if (!actual || declared == nullptr) return !actual && declared == nullptr;
  return normalised(*actual) == normalised(declared);
}

struct Policy {
  std::string name;
  bool permissive = true;
  std::string command;  // ALL, SELECT, INSERT, UPDATE or DELETE
  std::string roles;    // role names, sorted, ", "-separated; PUBLIC for everyone
  std::optional<std::string> using_expr, check_expr;
};

std::string shown(const std::optional<std::string>& expr) { return expr ? *expr : "none"; }
std::string shown(const char* expr) { return expr != nullptr ? expr : "none"; }

// How `actual` differs from `declared`, "; "-separated; "" when it does not.
std::string differences(const Policy& actual, const DeclaredPolicy& declared) {
  std::vector<std::string> parts;
  if (!actual.permissive) parts.push_back("restrictive, declared permissive");
  if (actual.command != "ALL") parts.push_back("command " + actual.command + ", declared ALL");
  if (actual.roles != declared.role) parts.push_back("for " + actual.roles + ", declared for " + declared.role);
  if (!same_expression(actual.using_expr, declared.using_expr)) {
    parts.push_back("USING " + shown(actual.using_expr) + ", declared " + shown(declared.using_expr));
  }
  if (!same_expression(actual.check_expr, declared.check_expr)) {
    parts.push_back("WITH CHECK " + shown(actual.check_expr) + ", declared " + shown(declared.check_expr));
  }
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "; ") + part;
  return out;
}

std::map<std::string, std::vector<Policy>> policies_by_table(pqxx::transaction_base& tx) {
  std::map<std::string, std::vector<Policy>> out;
  const auto rows = tx.exec(R"sql(
      SELECT c.relname, p.polname, p.polpermissive,
             CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                           WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
             (SELECT string_agg(name, ', ' ORDER BY name)
                FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r)::text END AS name
                        FROM unnest(p.polroles) AS r) AS roles),
             pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
        FROM pg_policy p
        JOIN pg_class c ON c.oid = p.polrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema()
       ORDER BY c.relname, p.polname)sql");
  for (const auto& row : rows) {
    Policy policy{row[1].as<std::string>(), row[2].as<bool>(), row[3].as<std::string>(), row[4].as<std::string>(), {}, {}};
    if (!row[5].is_null()) policy.using_expr = row[5].as<std::string>();
    if (!row[6].is_null()) policy.check_expr = row[6].as<std::string>();
    out[row[0].as<std::string>()].push_back(std::move(policy));
  }
  return out;
}

// The problems found, one line each, in the order found.
class Problems {
 public:
  void add(const std::string& problem) { text_ += (text_.empty() ? "" : "\n") + problem; }
  Status status() const {
    if (!text_.empty()) return internal_error(text_);
    return Status::success();
  }

 private:
  std::string text_;
};

std::string signature(const std::string& name, const std::string& argument_types) {
  return name + "(" + argument_types + ")";
}

// The declared functions, against the catalog.
void check_declared_functions(pqxx::transaction_base& tx, Problems& problems) {
  for (const auto& declared : kDeclaredFunctions) {
    const std::string name = signature(declared.name, declared.argument_types);
    const auto found = tx.exec_params(R"sql(
        SELECT p.prosecdef, encode(sha256(convert_to(p.prosrc, 'UTF8')), 'hex'),
               coalesce(array_to_string(p.proconfig, '; '), '')
          FROM pg_proc p
         WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
           AND p.proname = $1 AND oidvectortypes(p.proargtypes) = $2)sql",
                                      std::string(declared.name), std::string(declared.argument_types));
    if (found.empty()) {
      problems.add("function " + name + " is missing");
      continue;
    }
    if (found[0][0].as<bool>() != declared.security_definer || found[0][1].as<std::string>() != declared.body_sha256) {
      problems.add("function " + name + " differs from the declared one (" + declared.why + ")");
    }
    const auto settings = found[0][2].as<std::string>();
    if (settings != declared.settings) {
      const auto shown_settings = [](const std::string& text) { return text.empty() ? std::string("none") : text; };
      problems.add("function " + name + " has settings " + shown_settings(settings) + ", declared " +
                   shown_settings(declared.settings) + " (" + declared.why + ")");
    }
  }
}

// True for a function of the current schema named `name` taking `argument_types` that is declared
// (check_declared_functions() compares it).
bool declared_function(const std::string& name, const std::string& argument_types) {
  for (const auto& function : kDeclaredFunctions) {
    if (name == function.name && argument_types == function.argument_types) return true;
  }
  return false;
}

// SECURITY DEFINER functions, in any schema, that `tenant_role`, or `runtime_role` when given,
// may execute and that are not declared.
void check_security_definers(pqxx::transaction_base& tx, const std::string& tenant_role,
                             const std::optional<std::string>& runtime_role, Problems& problems) {
  const auto rows = tx.exec_params(R"sql(
      SELECT p.oid::regprocedure::text, n.nspname = current_schema(), p.proname, oidvectortypes(p.proargtypes),
             CASE WHEN p.proacl IS NULL
                       OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a
                                   WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') THEN 'PUBLIC'
                  WHEN has_function_privilege($1, p.oid, 'EXECUTE') AND has_schema_privilege($1, n.oid, 'USAGE') THEN $1
                  ELSE $2 END
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE p.prosecdef
         AND (has_function_privilege($1, p.oid, 'EXECUTE') AND has_schema_privilege($1, n.oid, 'USAGE')
              OR $3 AND has_function_privilege($2, p.oid, 'EXECUTE') AND has_schema_privilege($2, n.oid, 'USAGE'))
       ORDER BY 1)sql",
                                   tenant_role, runtime_role.value_or(tenant_role), runtime_role.has_value());
  for (const auto& row : rows) {
    if (row[1].as<bool>() && declared_function(row[2].as<std::string>(), row[3].as<std::string>())) continue;
    problems.add("function " + row[0].as<std::string>() + " runs with its owner's rights (SECURITY DEFINER) and is "
                 "open to " + row[4].as<std::string>() + "; it is not one of the declared ones");
  }
}

// What runs with someone else's rights when a tenant's statement fires it: any rule on a table of
// the current schema (rule actions run with the table owner's rights), and undeclared SECURITY
// DEFINER trigger functions on tables the tenant role may change (a trigger runs its function
// whether or not the role that fires it may execute it).
void check_actions_fired_by_tenants(pqxx::transaction_base& tx, const std::string& tenant_role, Problems& problems) {
  const auto rules = tx.exec(R"sql(
      SELECT c.relname, r.rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
       WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relkind IN ('r', 'p')
       ORDER BY 1, 2)sql");
  for (const auto& row : rules) {
    problems.add("table " + row[0].as<std::string>() + " has rule " + row[1].as<std::string>() +
                 ", whose actions run with the table owner's rights");
  }
  const auto triggers = tx.exec_params(std::string(R"sql(
      SELECT p.oid::regprocedure::text, pn.nspname = current_schema(), p.proname, oidvectortypes(p.proargtypes),
             t.tgname, c.oid::regclass::text
        FROM pg_trigger t
        JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
        JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE p.prosecdef AND NOT t.tgisinternal AND has_schema_privilege($1, n.oid, 'USAGE') AND )sql") +
                                           kUserSchema + R"sql(
         AND (has_table_privilege($1, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
              OR has_any_column_privilege($1, c.oid, 'INSERT, UPDATE'))
       ORDER BY 6, 5)sql",
                                       tenant_role);
  for (const auto& row : triggers) {
    if (row[1].as<bool>() && declared_function(row[2].as<std::string>(), row[3].as<std::string>())) continue;
    problems.add("function " + row[0].as<std::string>() + " runs with its owner's rights (SECURITY DEFINER) as trigger " +
                 row[4].as<std::string>() + " on table " + row[5].as<std::string>() + ", which " + tenant_role +
                 " may change");
  }
}

// Every table of the current schema that is part of isolation, against its declared policies.
void check_tables(pqxx::transaction_base& tx, const std::string& tenant_role, Problems& problems) {
  const auto policies = policies_by_table(tx);
  const auto tables = tx.exec_params(std::string(R"sql(
      SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
             EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped),
             c.relrowsecurity OR c.relforcerowsecurity
               OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
               OR )sql") + kRoleMayTouch + R"sql(
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
       ORDER BY c.relname)sql",
                                     tenant_role);
  for (const auto& row : tables) {
    const std::string table = row[0].as<std::string>();
    const std::vector<DeclaredPolicy>* declared = nullptr;
    if (table == "tenants") declared = &kTenantsTable;
    else if (row[3].as<bool>()) declared = &kTenantTable;
    else if (row[4].as<bool>()) declared = &kSystemTable;
    else continue;  // no security, no policies, nothing the tenant role may touch: not part of isolation

    if (!row[1].as<bool>()) problems.add("table " + table + " has row-level security disabled");
    if (!row[2].as<bool>()) problems.add("table " + table + " does not force row-level security");
    const auto found = policies.find(table);
    const std::vector<Policy> none;
    const auto& actual = found == policies.end() ? none : found->second;
    const auto named = [&](const std::string& name) -> const Policy* {
      for (const auto& policy : actual) {
        if (policy.name == name) return &policy;
      }
      return nullptr;
    };
    for (const auto& expected : *declared) {
      const Policy* policy = named(expected.name);
      if (policy == nullptr) {
        problems.add("table " + table + " has no policy for " + expected.role + ": " + expected.name + " is missing");
      } else if (const auto differ = differences(*policy, expected); !differ.empty()) {
        problems.add("table " + table + ": policy " + expected.name + " differs from the declared one: " + differ);
      }
    }
    for (const auto& policy : actual) {
      bool is_declared = false;
      for (const auto& expected : *declared) is_declared = is_declared || policy.name == expected.name;
      if (!is_declared && policy.permissive) {
        problems.add("table " + table + " has an extra permissive policy " + policy.name + " for " + policy.roles +
                     " (only restrictive ones may be added)");
      }
    }
  }
}

// Relations the tenant role may reach that no policy of ours binds: views that run with their
// owner's rights, materialized views and foreign tables (which have no row-level security), in
// any schema, and tables outside the current schema.
void check_relations_past_the_policies(pqxx::transaction_base& tx, const std::string& tenant_role, Problems& problems) {
  const auto rows = tx.exec_params(std::string(R"sql(
      SELECT c.oid::regclass::text, c.relkind, current_schema()::text,
             CASE WHEN EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee = 0) THEN 'PUBLIC' ELSE $1 END
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE )sql") + kUserSchema + R"sql(
         AND (c.relkind IN ('v', 'm', 'f') OR c.relkind IN ('r', 'p') AND n.nspname <> current_schema())
         AND NOT (c.relkind = 'v' AND EXISTS (
               SELECT 1 FROM pg_options_to_table(c.reloptions) o
                WHERE CASE WHEN o.option_name = 'security_invoker' THEN o.option_value::bool ELSE false END))
         AND has_schema_privilege($1, n.oid, 'USAGE') AND )sql" + kRoleMayTouch + R"sql(
       ORDER BY 1)sql",
                                   tenant_role);
  for (const auto& row : rows) {
    const std::string relation = row[0].as<std::string>(), who = row[3].as<std::string>();
    const char kind = row[1].as<std::string>().front();
    if (kind == 'v') {
      problems.add("view " + relation + " is open to " + who + " and runs with its owner's rights, past row-level "
                   "security (only security_invoker views may be open)");
    } else if (kind == 'm' || kind == 'f') {
      problems.add(std::string(kind == 'm' ? "materialized view " : "foreign table ") + relation + " is open to " + who +
                   " and has no row-level security");
    } else {
      problems.add("table " + relation + " is open to " + who + " outside schema " + row[2].as<std::string>() +
                   ", whose policies are the ones compared");
    }
  }
}

// Relations and functions with the name of one of ours in another schema the tenant role may
// use: on its search path ("$user" is clientflow_tenant in a tenant transaction) they can come
// first, and tenant queries would use them instead of ours.
void check_shadows(pqxx::transaction_base& tx, const std::string& tenant_role, Problems& problems) {
  const auto rows = tx.exec_params(std::string(R"sql(
      WITH ours AS (SELECT oid FROM pg_namespace WHERE nspname = current_schema()),
           usable AS (SELECT n.oid FROM pg_namespace n
                       WHERE n.nspname <> current_schema() AND has_schema_privilege($1, n.oid, 'USAGE') AND )sql") +
                                       kUserSchema + R"sql()
      SELECT CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view ' WHEN 'f' THEN 'foreign table '
                            WHEN 'S' THEN 'sequence ' ELSE 'table ' END || c.oid::regclass::text
        FROM pg_class c
       WHERE c.relnamespace IN (SELECT oid FROM usable) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
         AND EXISTS (SELECT 1 FROM pg_class mine
                      WHERE mine.relnamespace = (SELECT oid FROM ours) AND mine.relname = c.relname
                        AND mine.relkind IN ('r', 'p', 'v', 'm', 'f', 'S'))
      UNION ALL
      SELECT 'function ' || p.oid::regprocedure::text
        FROM pg_proc p
       WHERE p.pronamespace IN (SELECT oid FROM usable)
         AND EXISTS (SELECT 1 FROM pg_proc mine WHERE mine.pronamespace = (SELECT oid FROM ours) AND mine.proname = p.proname)
       ORDER BY 1)sql",
                                   tenant_role);
  for (const auto& row : rows) {
    problems.add(row[0].as<std::string>() + " has the name of one of ours in a schema " + tenant_role +
                 " may use, where it can take the place of ours (search_path)");
  }
}

}  // namespace

Status check_isolation(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  Problems problems;
  const std::string tenant_role = kTenantRole;
  if (!tx.exec_params1("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", tenant_role)[0].as<bool>()) {
    problems.add("role " + tenant_role + " is missing; run migrate");
    return problems.status();
  }
  for (const auto& power : role_powers(tx, tenant_role, {})) problems.add(power);
  std::optional<std::string> runtime_role;
  if (roles_separated(tx)) {
    runtime_role = tx.exec1("SELECT current_user")[0].as<std::string>();
    for (const auto& power : role_powers(tx, *runtime_role, kRuntimeMemberships)) problems.add(power);
  }
  check_declared_functions(tx, problems);
  check_security_definers(tx, tenant_role, runtime_role, problems);
  check_actions_fired_by_tenants(tx, tenant_role, problems);
  check_tables(tx, tenant_role, problems);
  check_relations_past_the_policies(tx, tenant_role, problems);
  check_shadows(tx, tenant_role, problems);
  return problems.status();
}

}  // namespace cf::store
