// BackgroundWork: the periodic work beside the HTTP server, each on a PeriodicTask of its own:
// retention (raw bodies past retention.raw_body_days, hourly, the first pass a minute after
// start), the sampler of the gauges read from the database (every 10 s, on a connection kept
// between samples) and the reconciler (every reconcile.interval_seconds with jitter, one daemon
// at a time, a full run every reconcile.full_interval_seconds). start() and stop() belong to the
// owning thread; stop() returns once every task's thread is gone.
#pragma once

#include "config/config.h"
#include "daemon/periodic_task.h"
#include "daemon/state_sampler.h"
#include "reconcile/schedule.h"
#include "store/retention_pass.h"

namespace cf::daemon {

class BackgroundWork {
 public:
  explicit BackgroundWork(const Config& config);
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;

  void start();
  void stop();

 private:
  store::RetentionPass retention_pass_;
  StateSampler state_sampler_;
  reconcile::SteadyClock steady_clock_;
  reconcile::Schedule reconcile_schedule_;
  PeriodicTask retention_;
  PeriodicTask sampler_;
  PeriodicTask reconciler_;
};

}  // namespace cf::daemon
