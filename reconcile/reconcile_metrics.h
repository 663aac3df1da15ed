// The reconciler's metrics: runs by mode (full, incremental) and result (ok, skipped: another run
// held the lock, error), and their duration. In the process-wide registry (common/metrics.h).
#pragma once

#include <string>

namespace cf::reconcile::metrics {

void run_finished(const std::string& mode, const std::string& result, double seconds);

}  // namespace cf::reconcile::metrics
