#include "store/tenant_scope.h"

#include <cctype>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "store/database_roles.h"
#include "store/queries.h"
#include "store/statements.h"

namespace cf::store {

void bind_to_tenant(pqxx::transaction_base& tx, const std::string& tenant_id) {
  static_assert(std::string_view(kTenantRole) == "clientflow_tenant", "the role SET LOCAL ROLE names");
  tx.exec0("SET LOCAL ROLE clientflow_tenant");
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
  const auto rows = tx.exec(std::string(sql::scope_policies));
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
    const auto found = exec_statement(tx, sql::scope_function, std::string(declared.name),
                                      std::string(declared.argument_types));
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
  const auto rows = exec_statement(tx, sql::scope_security_definers, tenant_role, runtime_role.value_or(tenant_role),
                                   runtime_role.has_value());
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
  const auto rules = tx.exec(std::string(sql::scope_rules));
  for (const auto& row : rules) {
    problems.add("table " + row[0].as<std::string>() + " has rule " + row[1].as<std::string>() +
                 ", whose actions run with the table owner's rights");
  }
  const auto triggers = exec_statement(tx, sql::scope_security_definer_triggers, tenant_role);
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
  const auto tables = exec_statement(tx, sql::scope_tables, tenant_role);
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
  const auto rows = exec_statement(tx, sql::scope_relations_past_policies, tenant_role);
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
  const auto rows = exec_statement(tx, sql::scope_shadows, tenant_role);
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
