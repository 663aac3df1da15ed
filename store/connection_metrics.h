// ConnectionMetrics: the counters every kept database connection (store/kept_connection.h)
// reports to, by component (ingest, api, admin, readiness, credentials, outbox, sampler,
// retention): clientflow_database_errors_total, database operations that failed (a connection
// that could not be opened, a statement that threw), and clientflow_database_reconnects_total,
// connections opened again after one was lost. Declared here and nowhere else; the daemon's
// dashboards and alerts read them under these names. Tests build them on a registry of their
// own; the daemon uses process_wide(). Safe from any thread.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

namespace cf::store {

class ConnectionMetrics {
 public:
  // The counters in `registry`, which must outlive this object.
  explicit ConnectionMetrics(prometheus::Registry& registry);
  // The counters in the process-wide registry (common/metrics.h).
  static ConnectionMetrics& process_wide();

  // Creates `component`'s series at 0, so dashboards and alerts see them before a failure.
  void add_component(const std::string& component);
  void database_error(const std::string& component);
  void reconnect(const std::string& component);

 private:
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Counter>& reconnects_;
};

}  // namespace cf::store
