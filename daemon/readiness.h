// Readiness: whether the daemon can do its work now, for GET /readyz. A background thread
// checks every `interval` that PostgreSQL answers, that the schema is this binary's (every
// built-in migration applied, none it does not know; each verdict also goes to a SchemaGuard) and
// that the tenant role cannot bypass row-level security; HTTP handlers read the last verdict
// without touching the database. The public reason is one of four fixed texts (kUnreachable,
// kMigrationsPending, kSchemaNewer, kIsolationFailed): the detail (host, role, which migration or policy) goes
// to the log only. The checks run on a connection kept between them (store::KeptConnection,
// component "readiness"). ready() and reason() are safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "config/secret.h"
#include "daemon/schema_guard.h"
#include "store/kept_connection.h"

namespace cf::daemon {

class Readiness {
 public:
  static constexpr const char* kUnreachable = "database unreachable";
  static constexpr const char* kMigrationsPending = "migrations pending";
  static constexpr const char* kSchemaNewer = "schema newer than this binary";
  static constexpr const char* kIsolationFailed = "isolation check failed";

  Readiness(Secret database_url, std::chrono::milliseconds interval, SchemaGuard& schema);
  ~Readiness();
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  // Runs the first check synchronously, then keeps checking in the background.
  void start();
  void stop();

  bool ready() const { return ready_.load(); }
  // Why the daemon is not ready, as one of the four fixed reasons ("" when it is ready).
  std::string reason() const;

 private:
  void check_once();
  void run();

  std::chrono::milliseconds interval_;
  SchemaGuard& schema_;
  std::atomic<bool> ready_{false};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::string reason_ = kUnreachable;  // not checked yet
  std::string detail_;                // the last failed check's detail, for the log
  // Used by check_once() only: first from start(), then from the background thread alone.
  store::KeptConnection connection_;
  std::thread thread_;
};

}  // namespace cf::daemon
