// Schema migrations: the numbered files of sql/, compiled into the binary, applied in order.
// migrate() takes a PostgreSQL advisory lock first, so two processes running it at once apply
// each migration exactly once; each migration runs in its own transaction together with its row
// in schema_migrations, so a failure leaves the schema at the previous version. A migration
// already applied is checked against its recorded checksum and never run again.
// With a runtime role (database.migration_url set), the same lock then covers separating the
// roles (store/database_roles.h).
// Functions take a connection the caller owns; use it from one thread at a time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/result.h"
#include "store/database_roles.h"

namespace cf::store {

struct Migration {
  int version;
  std::string name;  // file name, e.g. "001_foundation.sql"
  std::string sql;
};

// The migrations built into this binary, ascending by version.
const std::vector<Migration>& known_migrations();

struct MigrationReport {
  std::vector<std::string> applied;  // names applied by this call, in order
  int version = 0;                   // highest applied version afterwards
  std::optional<RoleReport> roles;   // set when a runtime role was given
};

// Applies every pending migration, then, given the role `serve` runs as, separates the roles
// (separate_roles()). Fails (leaving earlier migrations applied) when one fails, when an
// applied migration's checksum differs from the built-in file's, or when the roles cannot be
// separated.
Result<MigrationReport> migrate(pqxx::connection& connection,
                                const std::optional<RuntimeRole>& runtime = std::nullopt);

struct SchemaState {
  int latest_known = 0;               // newest migration this binary carries
  std::vector<std::string> pending;   // built-in migrations not yet applied
  std::vector<int> unknown;           // applied versions this binary does not carry (a newer binary's)
  bool current() const { return pending.empty() && unknown.empty(); }
};

// Reads which built-in migrations are applied, and which applied ones are not built in, without
// changing anything.
Result<SchemaState> schema_state(pqxx::connection& connection);

}  // namespace cf::store
