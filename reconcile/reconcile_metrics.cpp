#include "reconcile/reconcile_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include "common/metrics.h"

namespace cf::reconcile::metrics {

void run_finished(const std::string& mode, const std::string& result, double seconds) {
  static auto& runs = prometheus::BuildCounter()
                          .Name("clientflow_reconcile_runs_total")
                          .Help("Reconcile runs by mode (full, incremental) and result (ok, skipped, error)")
                          .Register(*metrics_registry());
  static auto& duration = prometheus::BuildHistogram()
                              .Name("clientflow_reconcile_duration_seconds")
                              .Help("How long reconcile runs took, by mode")
                              .Register(*metrics_registry());
  runs.Add({{"mode", mode}, {"result", result}}).Increment();
  if (result != "skipped") {
    duration.Add({{"mode", mode}}, prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160})
        .Observe(seconds);
  }
}

}  // namespace cf::reconcile::metrics
