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

// The body of clientflow_current_tenant(), which decides what every tenant policy admits.
constexpr const char* kCurrentTenantBody = "SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid";

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

}  // namespace

Status check_isolation(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  std::string problems;
  const auto add = [&](const std::string& problem) { problems += (problems.empty() ? "" : "\n") + problem; };
  const auto result = [&]() -> Status {
    if (!problems.empty()) return internal_error(problems);
    return Status::success();
  };

  const std::string tenant_role = kTenantRole;
  if (!tx.exec_params1("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", tenant_role)[0].as<bool>()) {
    add("role " + tenant_role + " is missing; run migrate");
    return result();
  }
  if (tx.exec_params1("SELECT pg_has_role($1, 'clientflow_system', 'MEMBER')", tenant_role)[0].as<bool>()) {
    add("role " + tenant_role + " is a member of clientflow_system, whose policies admit every row");
  }
  for (const auto& power : role_powers(tx, tenant_role)) add(power);
  if (roles_separated(tx)) {
    for (const auto& power : role_powers(tx, tx.exec1("SELECT current_user")[0].as<std::string>())) add(power);
  }

  const auto function = tx.exec(R"sql(
      SELECT p.prosrc, p.prosecdef FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = current_schema() AND p.proname = 'clientflow_current_tenant' AND p.pronargs = 0)sql");
  if (function.empty()) {
    add("function clientflow_current_tenant() is missing");
  } else if (normalised(function[0][0].as<std::string>()) != normalised(kCurrentTenantBody) || function[0][1].as<bool>()) {
    add("function clientflow_current_tenant() differs from the declared one (it decides which rows a tenant sees)");
  }

  const auto policies = policies_by_table(tx);
  const auto tables = tx.exec_params(R"sql(
      SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
             EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped),
             c.relrowsecurity OR c.relforcerowsecurity
               OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
               OR has_table_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
               OR has_any_column_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES')
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

    if (!row[1].as<bool>()) add("table " + table + " has row-level security disabled");
    if (!row[2].as<bool>()) add("table " + table + " does not force row-level security");
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
        add("table " + table + " has no policy for " + expected.role + ": " + expected.name + " is missing");
      } else if (const auto differ = differences(*policy, expected); !differ.empty()) {
        add("table " + table + ": policy " + expected.name + " differs from the declared one: " + differ);
      }
    }
    for (const auto& policy : actual) {
      bool is_declared = false;
      for (const auto& expected : *declared) is_declared = is_declared || policy.name == expected.name;
      if (!is_declared && policy.permissive) {
        add("table " + table + " has an extra permissive policy " + policy.name + " for " + policy.roles +
            " (only restrictive ones may be added)");
      }
    }
  }
  return result();
}

}  // namespace cf::store
