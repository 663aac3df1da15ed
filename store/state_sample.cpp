#include "store/state_sample.h"

#include "store/queries.h"

namespace cf::store {

StateSample read_state_sample(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  StateSample sample;
  const auto row = tx.exec1(std::string(sql::state_backlog));
  sample.deliveries_unrouted = row[0].as<long long>();
  sample.outbox_jobs = row[1].as<long long>();
  sample.outbox_oldest_age_seconds = row[2].as<double>();
  sample.outbox_failed = row[3].as<long long>();
  for (const auto& kind : tx.exec(std::string(sql::state_findings_open))) {
    sample.findings_open[kind[0].as<std::string>()] = kind[1].as<long long>();
  }
  return sample;
}

}  // namespace cf::store
