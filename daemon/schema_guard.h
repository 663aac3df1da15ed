// SchemaGuard: whether the database's schema is exactly the one this binary was built for (every
// built-in migration applied and none it does not know). A delivery stored against another
// schema can be stored wrongly for good (a status an older CHECK refuses is kept as malformed),
// so the ingest writer answers 503 with Retry-After instead while the schema differs, and
// Systeme.io delivers again once a `migrate` or the matching binary has made them agree.
// Readiness records every check here; the writer reads it before each batch and checks again on
// its own connection when the database refuses one. Safe from any thread.
#pragma once

#include <atomic>
#include <string>

#include <pqxx/pqxx>

#include "store/migrations.h"

namespace cf::daemon {

class SchemaGuard {
 public:
  bool matches() const { return matches_.load(); }
  // Records a check's result; logs when the verdict changes.
  void record(const store::SchemaState& state);
  // Checks on `connection` now and records the result: whether the schema matches. A check that
  // fails (connection lost) keeps the last verdict and throws.
  bool check_now(pqxx::connection& connection);

 private:
  std::atomic<bool> matches_{false};
  std::atomic<bool> recorded_{false};
};

// Why a schema is not this binary's, for the log: which migrations are missing or unknown.
std::string schema_difference(const store::SchemaState& state);

}  // namespace cf::daemon
