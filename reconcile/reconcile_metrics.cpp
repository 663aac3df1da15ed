#include "reconcile/reconcile_metrics.h"

#include "common/metrics.h"

namespace cf::reconcile {

ReconcileMetrics::ReconcileMetrics(prometheus::Registry& registry)
    : runs_(prometheus::BuildCounter()
                .Name("clientflow_reconcile_runs_total")
                .Help("Reconcile runs by mode (full, incremental) and result (ok, skipped, error)")
                .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("clientflow_reconcile_duration_seconds")
                    .Help("How long reconcile runs took, by mode")
                    .Register(registry)) {}

ReconcileMetrics& ReconcileMetrics::process_wide() {
  static ReconcileMetrics metrics(*metrics_registry());
  return metrics;
}

void ReconcileMetrics::run_finished(const std::string& mode, const std::string& result, double seconds) {
  runs_.Add({{"mode", mode}, {"result", result}}).Increment();
  if (result != "skipped") {
    duration_.Add({{"mode", mode}}, prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160})
        .Observe(seconds);
  }
}

namespace metrics {

void run_finished(const std::string& mode, const std::string& result, double seconds) {
  ReconcileMetrics::process_wide().run_finished(mode, result, seconds);
}

}  // namespace metrics
}  // namespace cf::reconcile
