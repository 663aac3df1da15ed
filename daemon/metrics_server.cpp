#include "daemon/metrics_server.h"

#include <prometheus/gauge.h>

#include "common/metrics.h"
#include "common/version.h"
#include "daemon/daemon_metrics.h"

namespace cf::daemon {

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const ListenAddress& listen) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(listen.str(), 1);
  } catch (const std::exception& e) {
    return unavailable("cannot serve metrics on " + listen.str() + ": " + e.what());
  }
  auto registry = metrics_registry();
  prometheus::BuildGauge()
      .Name("clientflow_build_info")
      .Help("Always 1; labels say which build is running")
      .Register(*registry)
      .Add({{"version", kVersion}, {"commit", kCommit}})
      .Set(1);
  exposer->RegisterCollectable(registry);
  auto process = metrics::process_collector();
  exposer->RegisterCollectable(process);
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(exposer), std::move(registry), std::move(process)));
}

std::uint16_t MetricsServer::port() const {
  const auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : static_cast<std::uint16_t>(ports.front());
}

}  // namespace cf::daemon
