// KeptConnection: one PostgreSQL connection that a component keeps between its pieces of work,
// and the one way the daemon's components meet an outage. get() hands out the open connection,
// opening it first when there is none; after a failed open it waits before trying again, twice
// as long after each further failure (from first_retry up to max_retry), and meanwhile answers
// at once with the last failure, so callers can refuse work fast (503). A component reports what
// its work threw with failed(): a lost connection is dropped and opened again on the next get().
//
// Each outage is logged at warn once, when it begins, and at info when a connection opens again
// (by each KeptConnection: a component with several, such as a pool, logs once per connection);
// every failed open and every failure reported is counted in clientflow_database_errors_total,
// and every connection opened again after one was lost in clientflow_database_reconnects_total,
// both by `component` (store/connection_metrics.h).
//
// It never sleeps: a component that waits for the next try waits until_retry() on its own
// condition, so that stopping interrupts it. Like the pqxx::connection it holds, a
// KeptConnection belongs to one thread at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "common/result.h"
#include "config/secret.h"
#include "store/connection_metrics.h"

namespace cf::store {

struct KeptConnectionOptions {
  std::chrono::milliseconds first_retry{100};  // the wait after the first failed open of an outage
  std::chrono::milliseconds max_retry{1000};   // the longest wait between two tries
  // Run on every connection just opened, before get() hands it out (session settings, LISTEN);
  // what it throws makes the open a failed one.
  std::function<void(pqxx::connection&)> opened;
  // Run before the connection is dropped, to release what refers to it (a notification receiver).
  std::function<void()> closing;
};

class KeptConnection {
 public:
  using Options = KeptConnectionOptions;

  // Connects to `url` when first asked; `component` labels its log lines and metrics (whose
  // series it creates at 0), counted in `metrics`, which must outlive it.
  KeptConnection(Secret url, std::string component, Options options = {},
                 ConnectionMetrics& metrics = ConnectionMetrics::process_wide());
  ~KeptConnection();
  KeptConnection(const KeptConnection&) = delete;
  KeptConnection& operator=(const KeptConnection&) = delete;

  // The open connection (valid until failed() drops it or close()), opened first when needed;
  // unavailable with libpq's reason when it cannot be opened, or, before the next try is due,
  // with the reason the last try failed.
  Result<pqxx::connection*> get();

  // Reports that work on the connection threw `e`, and counts it. When `e` means the database is
  // out of reach (store::is_unavailable) or the connection closed, drops it and returns true;
  // otherwise the connection stays and false is returned.
  bool failed(const std::exception& e);

  // Drops the connection on purpose (not an outage): the next get() opens a new one at once.
  void close();

  // For work done now and then (a retention pass, a reconcile run): runs `work` on the open
  // connection, then closes it, so none is held between passes. Throws the reason when no
  // connection can be had, and what `work` threw after reporting it to failed().
  void for_one_pass(const std::function<void(pqxx::connection&)>& work);

  bool is_open() const;
  // How long until get() will try to open a connection again: zero when it is open or due.
  std::chrono::milliseconds until_retry() const;
  const std::string& component() const { return component_; }

 private:
  using Clock = std::chrono::steady_clock;
  // A new connection prepared by options_.opened, or why there is none.
  Result<std::unique_ptr<pqxx::connection>> open();
  void drop();
  // Marks the start of an outage (logged once) for `reason`.
  void outage(const std::string& reason);

  Secret url_;
  std::string component_;
  Options options_;
  ConnectionMetrics& metrics_;
  std::unique_ptr<pqxx::connection> connection_;
  bool opened_before_ = false;  // a connection was open once: the next one is a reconnect
  bool out_ = false;            // in an outage, logged already
  int failed_opens_ = 0;        // in a row, since the last open that succeeded
  Clock::time_point retry_at_;  // no try before this while failed_opens_ > 0
  Error last_error_{ErrorKind::unavailable, {}};
};

}  // namespace cf::store
