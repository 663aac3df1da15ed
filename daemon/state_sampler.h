// StateSampler: the gauges that describe the shared database rather than this process
// (daemon_metrics.h: deliveries stored but not routed, outbox depth and the age of its oldest
// waiting job, open findings by kind), set from one store::StateSample per sample() on a
// connection kept between samples (component "sampler"). Every daemon on a database reports the
// same values; dashboards take their max. Meant to be run by one PeriodicTask: sample() belongs
// to one thread at a time.
#pragma once

#include "config/secret.h"
#include "store/kept_connection.h"

namespace cf::daemon {

class StateSampler {
 public:
  explicit StateSampler(Secret database_url);

  // Reads the values and sets the gauges; throws (for PeriodicTask to log) when the database
  // cannot be reached or read, leaving the gauges as they were.
  void sample();

 private:
  store::KeptConnection connection_;
};

}  // namespace cf::daemon
