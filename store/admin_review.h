// AdminReview: what the admin API and the report page read besides the findings themselves:
// stored deliveries waiting for an admin, how many findings there are of each kind and status,
// and the names of the tenants a page shows. Read-only, system role; uses the connection it is
// given, from one thread at a time; database failures throw pqxx errors.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

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
};

struct TenantLabel {
  std::string name;
  std::string prefix;
};

class AdminReview {
 public:
  explicit AdminReview(pqxx::connection& connection) : connection_(connection) {}

  // The `limit` newest stored deliveries whose status is one of `statuses` (never routed ones).
  std::vector<StoredDelivery> deliveries_with_status(const std::vector<std::string>& statuses, int limit);
  // kind -> status -> how many findings.
  std::map<std::string, std::map<std::string, int>> finding_counts();
  // tenant id -> its name and prefix, for those of `tenant_ids` that exist.
  std::map<std::string, TenantLabel> tenant_labels(const std::vector<std::string>& tenant_ids);

 private:
  pqxx::connection& connection_;
};

}  // namespace cf::store
