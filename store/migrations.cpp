#include "store/migrations.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "common/crypto.h"
#include "store/database.h"
#include "store/queries.h"

namespace cf::store {

namespace {

// Key of the advisory lock that serialises migration runs ("cfmigrat" in ASCII).
constexpr long long kMigrationLock = 0x63666d6967726174LL;

std::string checksum(const Migration& migration) {
  return crypto::to_hex(crypto::sha256(migration.sql));
}

struct Applied {
  int version;
  std::string name;
  std::string checksum;
};

std::vector<Applied> read_applied(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  const auto exists = tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL")[0].as<bool>();
  std::vector<Applied> out;
  if (!exists) return out;
  for (const auto& row : tx.exec("SELECT version, name, checksum FROM schema_migrations ORDER BY version")) {
    out.push_back({row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>()});
  }
  return out;
}

}  // namespace

Result<MigrationReport> migrate(pqxx::connection& connection, const std::optional<RuntimeRole>& runtime) {
  MigrationReport report;
  bool locked = false;
  // Closing the session releases the advisory lock even when unlocking fails here.
  const auto unlock = [&] {
    if (!locked || !connection.is_open()) return;
    try {
      pqxx::nontransaction session(connection);
      session.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLock);
    } catch (const std::exception&) {
    }
  };
  try {
    if (runtime) {
      pqxx::read_transaction tx(connection);
      if (auto distinct = runtime_role_is_another(tx, *runtime); !distinct) return distinct.error();
    }
    {
      pqxx::nontransaction session(connection);
      session.exec_params("SELECT pg_advisory_lock($1)", kMigrationLock);
      locked = true;
      session.exec0(std::string(sql::migrations_create_version_table));
    }
    std::map<int, Applied> applied;
    for (auto& row : read_applied(connection)) applied.emplace(row.version, row);

    for (const auto& migration : known_migrations()) {
      if (auto done = applied.find(migration.version); done != applied.end()) {
        if (done->second.checksum != checksum(migration)) {
          throw std::runtime_error("migration " + migration.name +
                                   " differs from the one applied to this database (checksum "
                                   "mismatch); restore the original file");
        }
        report.version = migration.version;
        continue;
      }
      pqxx::work tx(connection);
      tx.exec(migration.sql);
      tx.exec_params0("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                      migration.version, migration.name, checksum(migration));
      tx.commit();
      report.applied.push_back(migration.name);
      report.version = migration.version;
    }
    for (const auto& [version, row] : applied) report.version = std::max(report.version, version);

    if (runtime) {
      auto roles = separate_roles(connection, *runtime);
      if (!roles) {
        unlock();
        return roles.error();
      }
      report.roles = std::move(*roles);
    }
    unlock();
    return report;
  } catch (const std::exception& e) {
    unlock();
    return database_error(e, "migrate");
  }
}

Result<SchemaState> schema_state(pqxx::connection& connection) {
  try {
    std::set<int> applied;
    for (const auto& row : read_applied(connection)) applied.insert(row.version);
    SchemaState state;
    for (const auto& migration : known_migrations()) {
      state.latest_known = migration.version;
      if (applied.count(migration.version) == 0) state.pending.push_back(migration.name);
      applied.erase(migration.version);
    }
    state.unknown.assign(applied.begin(), applied.end());
    return state;
  } catch (const std::exception& e) {
    return database_error(e, "schema state");
  }
}

}  // namespace cf::store
