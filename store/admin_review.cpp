#include "store/admin_review.h"

#include <nlohmann/json.hpp>

#include "store/queries.h"

namespace cf::store {

std::vector<StoredDelivery> AdminReview::deliveries_with_status(const std::vector<std::string>& statuses, int limit) {
  pqxx::read_transaction tx(connection_);
  std::vector<StoredDelivery> deliveries;
  for (const auto& row : tx.exec_params(std::string(sql::admin_waiting_deliveries), nlohmann::json(statuses).dump(), limit)) {
    StoredDelivery d;
    d.id = row[0].as<long long>();
    d.event_type = row[1].as<std::string>();
    d.status = row[2].as<std::string>();
    d.detail = row[3].as<std::string>();
    if (!row[4].is_null()) d.contact_id = row[4].as<long long>();
    d.email = row[5].as<std::string>();
    d.received_at = row[6].as<std::string>();
    deliveries.push_back(std::move(d));
  }
  return deliveries;
}

std::map<std::string, std::map<std::string, int>> AdminReview::finding_counts() {
  pqxx::read_transaction tx(connection_);
  std::map<std::string, std::map<std::string, int>> counts;
  for (const auto& row : tx.exec(std::string(sql::admin_finding_counts))) {
    counts[row[0].as<std::string>()][row[1].as<std::string>()] = row[2].as<int>();
  }
  return counts;
}

std::map<std::string, TenantLabel> AdminReview::tenant_labels(const std::vector<std::string>& tenant_ids) {
  pqxx::read_transaction tx(connection_);
  std::map<std::string, TenantLabel> labels;
  for (const auto& row : tx.exec_params(std::string(sql::admin_tenant_labels), nlohmann::json(tenant_ids).dump())) {
    labels[row[0].as<std::string>()] = {row[1].as<std::string>(), row[2].as<std::string>()};
  }
  return labels;
}

}  // namespace cf::store
