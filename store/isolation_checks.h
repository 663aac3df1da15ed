// The catalog checks behind check_isolation() (store/tenant_scope.h). Each compares one part of
// the database as it is now with what store/tenant_scope.cpp declares (the policies sql/001
// creates, the functions the migrations create) and adds a line per problem it finds. Internal
// to store/; each reads in the caller's transaction, from its thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/result.h"

namespace cf::store {

// A policy as declared, its expressions as pg_get_expr prints them. Every declared policy is
// PERMISSIVE, FOR ALL commands, and for one role.
struct DeclaredPolicy {
  const char* name;
  const char* role;
  const char* using_expr;
  const char* check_expr;  // nullptr: no WITH CHECK
};

// The policies each kind of table must have.
struct DeclaredTables {
  std::vector<DeclaredPolicy> tenant_table;   // tables with a tenant_id column
  std::vector<DeclaredPolicy> tenants_table;  // tenants itself
  std::vector<DeclaredPolicy> system_table;   // every other table that is part of isolation
};

// A function the policies or the tenant role rely on, as its migration creates it.
struct DeclaredFunction {
  const char* name;            // in the current schema
  const char* argument_types;  // as oidvectortypes() prints them
  bool security_definer;
  const char* body_sha256;     // of prosrc
  const char* settings;        // proconfig, "; "-separated; "" for none
  const char* why;             // what it decides, for the problem's line
};

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

// The declared functions, against the catalog.
void check_declared_functions(pqxx::transaction_base& tx, const std::vector<DeclaredFunction>& declared,
                              Problems& problems);

// SECURITY DEFINER functions, in any schema, that `tenant_role`, or `runtime_role` when given,
// may execute and that are not declared.
void check_security_definers(pqxx::transaction_base& tx, const std::vector<DeclaredFunction>& declared,
                             const std::string& tenant_role, const std::optional<std::string>& runtime_role,
                             Problems& problems);

// What runs with someone else's rights when a tenant's statement fires it: any rule on a table of
// the current schema (rule actions run with the table owner's rights), and undeclared SECURITY
// DEFINER trigger functions on tables the tenant role may change (a trigger runs its function
// whether or not the role that fires it may execute it).
void check_actions_fired_by_tenants(pqxx::transaction_base& tx, const std::vector<DeclaredFunction>& declared,
                                    const std::string& tenant_role, Problems& problems);

// Every table of the current schema that is part of isolation, against its declared policies.
void check_tables(pqxx::transaction_base& tx, const DeclaredTables& declared, const std::string& tenant_role,
                  Problems& problems);

// Relations the tenant role may reach that no policy of ours binds: views that run with their
// owner's rights, materialized views and foreign tables (which have no row-level security), in
// any schema, and tables outside the current schema.
void check_relations_past_the_policies(pqxx::transaction_base& tx, const std::string& tenant_role, Problems& problems);

// Relations and functions with the name of one of ours in another schema the tenant role may
// use: on its search path ("$user" is clientflow_tenant in a tenant transaction) they can come
// first, and tenant queries would use them instead of ours.
void check_shadows(pqxx::transaction_base& tx, const std::string& tenant_role, Problems& problems);

}  // namespace cf::store
