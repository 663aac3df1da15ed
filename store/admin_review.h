// AdminReview: what the admin API and the report page read besides the findings themselves:
// stored deliveries a page at a time, how many findings there are of each kind and status,
// and the names of the tenants a page shows. Read-only, system role; uses the connection it is
// given, from one thread at a time; database failures throw pqxx errors.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace cf::store {

// One stored delivery, as GET /admin/events lists it.
struct StoredDelivery {
  long long id = 0;
  std::string event_type;
  std::string status;
  std::string detail;  // empty when none
  std::optional<long long> contact_id;
  std::string email;        // empty when none
  std::string received_at;  // ISO 8601 in UTC, with milliseconds
  std::string source;       // account | rule
  std::string tenant_id;                 // the tenant it was routed to or sent by; empty when none
  std::optional<std::string> body;       // absent once retention dropped it
  long long received_micros = 0;         // received_at, microseconds since 1970 (the page key)
};

// What GET /admin/events is filtered by (the values already checked; empty / nullopt: any).
struct DeliveryFilter {
  std::vector<std::string> statuses;  // empty: every status
  std::string tenant_id;
  std::string email;  // normalised
  std::optional<long long> contact_id;
  std::optional<long long> from_micros, to_micros;  // received in [from, to)
};

// The page key of a stored delivery: (received_at in microseconds, id), newest first.
struct DeliveryKey {
  long long received_micros = 0;
  long long id = 0;
};

struct DeliveryPage {
  std::vector<StoredDelivery> items;
  std::optional<DeliveryKey> next_after;  // the last one shown, when more follow
};

struct TenantLabel {
  std::string name;
  std::string prefix;
};

// What the report page shows of one tenant's lead, beside the other tenants' leads of a finding.
struct LeadCard {
  std::string email, name, phone, ib_type;  // empty when unknown
  std::vector<std::string> tags;
  bool converted = false;    // carries its tenant's <prefix>converted tag
  std::string captured_at;   // ISO 8601 UTC
  std::string captured_by;   // the account event type that made it, "form", or empty when neither shows
  std::string last_activity; // ISO 8601 UTC: its newest timeline entry, else its capture
};

// (tenant id, lead id)
using LeadRef = std::pair<std::string, std::string>;

class AdminReview {
 public:
  explicit AdminReview(pqxx::connection& connection) : connection_(connection) {}

  // At most `limit` stored deliveries matching `filter`, newest receipt first, after `after`.
  DeliveryPage deliveries(const DeliveryFilter& filter, int limit, std::optional<DeliveryKey> after = std::nullopt);
  // The cards of the given leads (a finding's `tenants` entries: {"tenant_id", "lead_id"}), for
  // those that exist.
  std::map<LeadRef, LeadCard> lead_cards(const nlohmann::json& owners);
  // kind -> status -> how many findings.
  std::map<std::string, std::map<std::string, int>> finding_counts();
  // tenant id -> its name and prefix, for those of `tenant_ids` that exist.
  std::map<std::string, TenantLabel> tenant_labels(const std::vector<std::string>& tenant_ids);

 private:
  pqxx::connection& connection_;
};

}  // namespace cf::store
