#include "store/admin_review.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "store/queries.h"

namespace cf::store {

namespace {

StoredDelivery read_delivery(const pqxx::row& row) {
  StoredDelivery d;
  d.id = row[0].as<long long>();
  d.event_type = row[1].as<std::string>();
  d.status = row[2].as<std::string>();
  d.detail = row[3].as<std::string>();
  if (!row[4].is_null()) d.contact_id = row[4].as<long long>();
  d.email = row[5].as<std::string>();
  d.received_at = row[6].as<std::string>();
  d.source = row[7].as<std::string>();
  d.tenant_id = row[8].as<std::string>();
  if (!row[9].is_null()) d.body = pqxx::binarystring(row[9]).str();
  d.received_micros = row[10].as<long long>();
  return d;
}

// The statuses as a PostgreSQL array literal; '' for none. Status names are [a-z_] only.
std::string status_array(const std::vector<std::string>& statuses) {
  if (statuses.empty()) return {};
  std::string out = "{";
  for (const auto& status : statuses) out += (out.size() > 1 ? "," : "") + status;
  return out + "}";
}

}  // namespace

DeliveryPage AdminReview::deliveries(const DeliveryFilter& filter, int limit, std::optional<DeliveryKey> after) {
  const bool unrouted_only = !filter.statuses.empty() &&
                             std::find(filter.statuses.begin(), filter.statuses.end(), "routed") == filter.statuses.end();
  pqxx::read_transaction tx(connection_);
  const auto rows = tx.exec_params(
      std::string(sql::admin_events_page), unrouted_only, status_array(filter.statuses), filter.tenant_id, filter.email,
      filter.contact_id, filter.from_micros, filter.to_micros,
      after ? std::optional<long long>(after->received_micros) : std::nullopt, after ? after->id : 0LL, limit + 1);
  DeliveryPage page;
  for (const auto& row : rows) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_after = DeliveryKey{page.items.back().received_micros, page.items.back().id};
      break;
    }
    page.items.push_back(read_delivery(row));
  }
  return page;
}

std::map<std::string, std::map<std::string, int>> AdminReview::finding_counts() {
  pqxx::read_transaction tx(connection_);
  std::map<std::string, std::map<std::string, int>> counts;
  for (const auto& row : tx.exec(std::string(sql::admin_finding_counts))) {
    counts[row[0].as<std::string>()][row[1].as<std::string>()] = row[2].as<int>();
  }
  return counts;
}

std::map<LeadRef, LeadCard> AdminReview::lead_cards(const nlohmann::json& owners) {
  pqxx::read_transaction tx(connection_);
  std::map<LeadRef, LeadCard> cards;
  for (const auto& row : tx.exec_params(std::string(sql::admin_finding_leads), owners.dump())) {
    LeadCard card;
    card.email = row[2].as<std::string>();
    card.name = row[3].as<std::string>();
    card.phone = row[4].as<std::string>();
    card.ib_type = row[5].as<std::string>();
    card.tags = nlohmann::json::parse(row[6].c_str()).get<std::vector<std::string>>();
    card.converted = row[7].as<bool>();
    card.captured_at = row[8].as<std::string>();
    card.captured_by = row[9].as<std::string>();
    card.last_activity = row[10].as<std::string>();
    cards[{row[0].as<std::string>(), row[1].as<std::string>()}] = std::move(card);
  }
  return cards;
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
