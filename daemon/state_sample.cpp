#include "daemon/state_sample.h"

#include <map>
#include <string>

#include "daemon/daemon_metrics.h"

namespace cf::daemon {

void sample_state(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  const auto row = tx.exec1(
      // The unrouted backlog is ingest::unrouted_statuses(): everything but routed and no_lead (which
      // routes by itself), written so that the partial index on unrouted deliveries serves it.
      "SELECT (SELECT count(*) FROM webhook_events WHERE status <> 'routed' AND status <> 'no_lead'), "
      "(SELECT count(*) FROM outbox_jobs WHERE done_at IS NULL AND failed_at IS NULL), "
      "(SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM outbox_jobs "
      " WHERE done_at IS NULL AND failed_at IS NULL)");
  metrics::deliveries_unrouted(row[0].as<long long>());
  metrics::outbox(row[1].as<long long>(), row[2].as<double>());
  std::map<std::string, long long> open;
  for (const auto& kind : tx.exec("SELECT kind, count(*) FROM findings WHERE status IN ('open', 'acknowledged') GROUP BY kind")) {
    open[kind[0].as<std::string>()] = kind[1].as<long long>();
  }
  metrics::findings_open(open);
}

}  // namespace cf::daemon
