// MetricsServer: the Prometheus exposition endpoint (GET /metrics on metrics.listen), serving
// the process-wide registry (common/metrics.h) and the process metrics. It publishes
// clientflow_build_info{version,commit}. Registering metrics is safe from any thread.
#pragma once

#include <cstdint>
#include <memory>

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include "common/result.h"
#include "config/config.h"

namespace cf::daemon {

class MetricsServer {
 public:
  // Starts serving on `listen`; unavailable (not an abort) when the port is taken.
  static Result<std::unique_ptr<MetricsServer>> start(const ListenAddress& listen);

  prometheus::Registry& registry() { return *registry_; }
  std::uint16_t port() const;

 private:
  MetricsServer(std::unique_ptr<prometheus::Exposer> exposer, std::shared_ptr<prometheus::Registry> registry,
                std::shared_ptr<prometheus::Collectable> process)
      : exposer_(std::move(exposer)), registry_(std::move(registry)), process_(std::move(process)) {}
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> process_;  // the exposer holds it weakly
};

}  // namespace cf::daemon
