// StateSample: the gauges that describe the shared database rather than this process, read by
// one query every few seconds (daemon_metrics.h): deliveries stored but not routed, outbox depth
// and the age of its oldest waiting job, open findings by kind. Every daemon on a database
// reports the same values; dashboards take their max.
#pragma once

#include <pqxx/pqxx>

namespace cf::daemon {

// Reads the values and sets the gauges. Throws the database's error.
void sample_state(pqxx::connection& connection);

}  // namespace cf::daemon
