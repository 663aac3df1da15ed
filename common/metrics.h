// The process-wide Prometheus registry every module declares its metrics in (each in its own
// *_metrics.h); the daemon's MetricsServer serves it on metrics.listen. Command-line runs use the
// same code paths and simply never expose it. Safe from any thread.
#pragma once

#include <memory>

#include <prometheus/registry.h>

namespace cf {

std::shared_ptr<prometheus::Registry> metrics_registry();

}  // namespace cf
