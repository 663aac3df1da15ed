// role_powers(), roles_separated() and check_runtime_role() of store/database_roles.h, and
// store/schema_objects.h: what a role could still change in the schema or reach past it, read
// from the catalog.
#include <algorithm>
#include <cctype>

#include "store/database_roles.h"
#include "store/queries.h"
#include "store/schema_objects.h"
#include "store/statements.h"

namespace cf::store {

namespace {

// At most this many object names in one line of role_powers().
constexpr std::size_t kNamesShown = 5;

// What a membership in `group` gives, for role_powers().
std::string what_membership_gives(const std::string& group) {
  if (group == kSystemRole) return "whose policies admit every row";
  if (group == kOwnerRole) return "which owns the schema";
  if (group.rfind("pg_", 0) == 0) return "a predefined role with powers over the server or every table";
  return "whose privileges it may use";
}

// `who`'s memberships but those in `may_be_member_of`, each named with the one it comes through.
void add_memberships(pqxx::transaction_base& tx, const std::string& role, const std::string& who,
                     const std::vector<std::string>& may_be_member_of, std::vector<std::string>& powers) {
  for (const auto& row : exec_statement(tx, sql::roles_memberships, role)) {
    const std::string group = row[0].as<std::string>(), through = row[1].as<std::string>();
    if (std::find(may_be_member_of.begin(), may_be_member_of.end(), group) != may_be_member_of.end()) continue;
    powers.push_back(who + " is a member of " + group + (through.empty() ? "" : " through " + through) + ", " +
                     what_membership_gives(group));
  }
}

// The objects, schema or database that `role` owns or is a member of the owner of, in one line.
void add_owned(pqxx::transaction_base& tx, const std::string& role, const std::string& who,
               std::vector<std::string>& powers) {
  std::vector<std::string> owned;
  for (const auto& object : schema_objects(tx, role)) {
    if (object.role_may_act) owned.push_back(object.described());
  }
  if (owned.empty()) return;
  std::string names;
  for (std::size_t i = 0; i < owned.size() && i < kNamesShown; ++i) names += (i == 0 ? "" : ", ") + owned[i];
  if (owned.size() > kNamesShown) names += ", ...";
  powers.push_back(who + " owns, or is a member of the owner of, " + std::to_string(owned.size()) +
                   " objects that define the schema or its security (" + names + ")");
}

}  // namespace

std::string SchemaObject::described() const {
  std::string text = kind;
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text + " " + ident;
}

std::vector<SchemaObject> schema_objects(pqxx::transaction_base& tx, const std::string& role) {
  std::vector<SchemaObject> out;
  for (const auto& row : exec_statement(tx, sql::roles_schema_objects, role)) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<bool>(),
                   row[4].as<bool>()});
  }
  return out;
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
  add_memberships(tx, role, who, may_be_member_of, powers);
  add_owned(tx, role, who, powers);
  if (tx.exec_params1("SELECT has_schema_privilege($1, current_schema(), 'CREATE')", role)[0].as<bool>()) {
    powers.push_back(who + " may create objects in schema " +
                     tx.exec1("SELECT current_schema()")[0].as<std::string>());
  }
  for (const auto& row : exec_statement(tx, sql::roles_table_powers, role)) {
    const std::string table = row[0].as<std::string>();
    if (row[1].as<bool>()) powers.push_back(who + " may TRUNCATE table " + table + " (TRUNCATE ignores row-level security)");
    if (row[2].as<bool>()) powers.push_back(who + " may create triggers on table " + table);
  }
  return powers;
}

bool roles_separated(pqxx::transaction_base& tx) {
  return tx.exec1(std::string(sql::roles_separated))[0].as<bool>();
}

Status check_runtime_role(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  const auto powers = role_powers(tx, tx.exec1("SELECT current_user")[0].as<std::string>(), kRuntimeMemberships);
  if (powers.empty()) return Status::success();
  std::string lines;
  for (const auto& power : powers) lines += (lines.empty() ? "" : "\n") + power;
  return internal_error(lines);
}

}  // namespace cf::store
