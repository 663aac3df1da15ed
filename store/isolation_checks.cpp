#include "store/isolation_checks.h"

#include <cctype>
#include <map>

#include "store/queries.h"
#include "store/statements.h"

namespace cf::store {

namespace {

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

std::string signature(const std::string& name, const std::string& argument_types) {
  return name + "(" + argument_types + ")";
}

// True for a function of the current schema named `name` taking `argument_types` that is declared
// (check_declared_functions() compares it).
bool declared_function(const std::vector<DeclaredFunction>& declared, const std::string& name,
                       const std::string& argument_types) {
  for (const auto& function : declared) {
    if (name == function.name && argument_types == function.argument_types) return true;
  }
  return false;
}

}  // namespace

void check_declared_functions(pqxx::transaction_base& tx, const std::vector<DeclaredFunction>& functions,
                              Problems& problems) {
  for (const auto& declared : functions) {
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

void check_security_definers(pqxx::transaction_base& tx, const std::vector<DeclaredFunction>& declared,
                             const std::string& tenant_role, const std::optional<std::string>& runtime_role,
                             Problems& problems) {
  const auto rows = exec_statement(tx, sql::scope_security_definers, tenant_role, runtime_role.value_or(tenant_role),
                                   runtime_role.has_value());
  for (const auto& row : rows) {
    if (row[1].as<bool>() && declared_function(declared, row[2].as<std::string>(), row[3].as<std::string>())) continue;
    problems.add("function " + row[0].as<std::string>() + " runs with its owner's rights (SECURITY DEFINER) and is "
                 "open to " + row[4].as<std::string>() + "; it is not one of the declared ones");
  }
}

void check_actions_fired_by_tenants(pqxx::transaction_base& tx, const std::vector<DeclaredFunction>& declared,
                                    const std::string& tenant_role, Problems& problems) {
  const auto rules = tx.exec(std::string(sql::scope_rules));
  for (const auto& row : rules) {
    problems.add("table " + row[0].as<std::string>() + " has rule " + row[1].as<std::string>() +
                 ", whose actions run with the table owner's rights");
  }
  const auto triggers = exec_statement(tx, sql::scope_security_definer_triggers, tenant_role);
  for (const auto& row : triggers) {
    if (row[1].as<bool>() && declared_function(declared, row[2].as<std::string>(), row[3].as<std::string>())) continue;
    problems.add("function " + row[0].as<std::string>() + " runs with its owner's rights (SECURITY DEFINER) as trigger " +
                 row[4].as<std::string>() + " on table " + row[5].as<std::string>() + ", which " + tenant_role +
                 " may change");
  }
}

void check_tables(pqxx::transaction_base& tx, const DeclaredTables& tables_declared, const std::string& tenant_role,
                  Problems& problems) {
  const auto policies = policies_by_table(tx);
  const auto tables = exec_statement(tx, sql::scope_tables, tenant_role);
  for (const auto& row : tables) {
    const std::string table = row[0].as<std::string>();
    const std::vector<DeclaredPolicy>* declared = nullptr;
    if (table == "tenants") declared = &tables_declared.tenants_table;
    else if (row[3].as<bool>()) declared = &tables_declared.tenant_table;
    else if (row[4].as<bool>()) declared = &tables_declared.system_table;
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

void check_shadows(pqxx::transaction_base& tx, const std::string& tenant_role, Problems& problems) {
  const auto rows = exec_statement(tx, sql::scope_shadows, tenant_role);
  for (const auto& row : rows) {
    problems.add(row[0].as<std::string>() + " has the name of one of ours in a schema " + tenant_role +
                 " may use, where it can take the place of ours (search_path)");
  }
}

}  // namespace cf::store
