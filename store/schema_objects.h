// The objects that define the current schema or its security, as the catalog holds them now
// (store/queries/roles_schema_objects.sql): what separate_roles() gives to clientflow_owner and
// role_powers() reports a role owning. Read in the caller's transaction, from its thread.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace cf::store {

struct SchemaObject {
  std::string kind;   // as ALTER names it: TABLE, SEQUENCE, VIEW, ROUTINE, TYPE, ...; SCHEMA, DATABASE
  std::string ident;  // as ALTER takes it (regclass, regprocedure or regtype text)
  std::string owner;  // the owning role's name
  bool current_user_may_act = false;  // current_user is a member of the owner
  bool role_may_act = false;          // the role given to schema_objects() is

  // True for the schema and the database themselves, which the migration role does not move.
  bool is_schema_or_database() const { return kind == "SCHEMA" || kind == "DATABASE"; }
  // "<kind in lower case> <ident>", as messages name it.
  std::string described() const;
};

// Every such object, then the schema and the database, by kind and name. `role` must exist.
std::vector<SchemaObject> schema_objects(pqxx::transaction_base& tx, const std::string& role);

}  // namespace cf::store
