// StateSample: the values that describe the shared database rather than one process, read in
// one read-only transaction: deliveries stored but not routed, outbox jobs pending and failed and
// the age of the oldest pending, open findings by kind. Every daemon on a database reads the same values
// (the daemon sets its gauges from them: daemon/state_sampler.h). Uses the connection it is
// given, from one thread.
#pragma once

#include <map>
#include <string>

#include <pqxx/pqxx>

namespace cf::store {

struct StateSample {
  long long deliveries_unrouted = 0;
  long long outbox_jobs = 0;              // neither done nor failed, of tenants not suspended
  long long outbox_failed = 0;            // failed for good, not discarded
  double outbox_oldest_age_seconds = 0;   // 0 when none waits
  std::map<std::string, long long> findings_open;  // kind -> open or acknowledged findings
};

// Reads the values; throws the database's error.
StateSample read_state_sample(pqxx::connection& connection);

}  // namespace cf::store
