#include "daemon/state_sampler.h"

#include <stdexcept>

#include "daemon/daemon_metrics.h"
#include "store/state_sample.h"

namespace cf::daemon {

StateSampler::StateSampler(Secret database_url) : connection_(std::move(database_url), "sampler") {}

void StateSampler::sample() {
  auto connection = connection_.get();
  if (!connection) throw std::runtime_error(connection.error().message);
  store::StateSample state;
  try {
    state = store::read_state_sample(**connection);
  } catch (const std::exception& e) {
    connection_.failed(e);
    throw;
  }
  DaemonMetrics::process_wide().deliveries_unrouted(state.deliveries_unrouted);
  DaemonMetrics::process_wide().outbox(state.outbox_jobs, state.outbox_failed, state.outbox_oldest_age_seconds);
  DaemonMetrics::process_wide().findings_open(state.findings_open);
}

}  // namespace cf::daemon
