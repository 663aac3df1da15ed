#include "daemon/background_work.h"

namespace cf::daemon {

BackgroundWork::BackgroundWork(const Config& config)
    : retention_pass_(config.database.url, config.retention.raw_body_days),
      state_sampler_(config.database.url),
      reconcile_schedule_(config.database.url, std::chrono::seconds(config.reconcile.interval_seconds),
                          std::chrono::seconds(config.reconcile.full_interval_seconds), steady_clock_),
      retention_("retention", std::chrono::minutes(1), std::chrono::hours(1), [this] { retention_pass_.run(); }),
      sampler_("metrics sample", std::chrono::seconds(1), std::chrono::seconds(10), [this] { state_sampler_.sample(); }),
      reconciler_("reconcile", reconcile_schedule_.first_delay(), reconcile_schedule_.interval(),
                  [this] { reconcile_schedule_.run_once(); }, 0.1) {}

void BackgroundWork::start() {
  retention_.start();
  sampler_.start();
  reconciler_.start();
}

void BackgroundWork::stop() {
  reconciler_.stop();
  retention_.stop();
  sampler_.stop();
}

}  // namespace cf::daemon
