#include "store/connection_metrics.h"

#include "common/metrics.h"

namespace cf::store {

ConnectionMetrics::ConnectionMetrics(prometheus::Registry& registry)
    : errors_(prometheus::BuildCounter()
                  .Name("clientflow_database_errors_total")
                  .Help("Database operations that failed, by component")
                  .Register(registry)),
      reconnects_(prometheus::BuildCounter()
                      .Name("clientflow_database_reconnects_total")
                      .Help("Database connections opened again after one was lost, by component")
                      .Register(registry)) {}

ConnectionMetrics& ConnectionMetrics::process_wide() {
  static ConnectionMetrics metrics(*metrics_registry());
  return metrics;
}

void ConnectionMetrics::add_component(const std::string& component) {
  errors_.Add({{"component", component}});
  reconnects_.Add({{"component", component}});
}

void ConnectionMetrics::database_error(const std::string& component) {
  errors_.Add({{"component", component}}).Increment();
}

void ConnectionMetrics::reconnect(const std::string& component) {
  reconnects_.Add({{"component", component}}).Increment();
}

}  // namespace cf::store
