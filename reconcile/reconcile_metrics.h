// The reconciler's metrics: runs by mode (full, incremental) and result (ok, skipped: another run
// held the lock, error), and their duration. ReconcileMetrics declares them on the registry it is
// given (a test's own); ReconcileMetrics::process_wide() and metrics::run_finished use the
// process-wide registry (common/metrics.h). Safe from any thread.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace cf::reconcile {

class ReconcileMetrics {
 public:
  // Registers the families on `registry`, which must outlive this object. A series appears at its
  // first run.
  explicit ReconcileMetrics(prometheus::Registry& registry);
  // The instance on the process-wide registry, made at first use.
  static ReconcileMetrics& process_wide();

  // One run finished: clientflow_reconcile_runs_total{mode, result} counts it and, unless it was
  // skipped, clientflow_reconcile_duration_seconds{mode} observes `seconds`.
  void run_finished(const std::string& mode, const std::string& result, double seconds);

 private:
  prometheus::Family<prometheus::Counter>& runs_;
  prometheus::Family<prometheus::Histogram>& duration_;
};

namespace metrics {

// The same as ReconcileMetrics::process_wide().run_finished.
void run_finished(const std::string& mode, const std::string& result, double seconds);

}  // namespace metrics
}  // namespace cf::reconcile
