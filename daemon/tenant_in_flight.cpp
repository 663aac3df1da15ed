#include "daemon/tenant_in_flight.h"

#include <algorithm>

namespace cf::daemon {

void TenantInFlight::Slot::release() {
  if (!counts_) return;
  {
    std::lock_guard<std::mutex> lock(counts_->mutex);
    const auto found = counts_->by_tenant.find(tenant_id_);
    if (found != counts_->by_tenant.end() && --found->second <= 0) counts_->by_tenant.erase(found);
  }
  counts_.reset();
}

TenantInFlight::TenantInFlight(int max_per_tenant)
    : max_per_tenant_(std::max(1, max_per_tenant)), counts_(std::make_shared<Counts>()) {}

std::shared_ptr<TenantInFlight::Slot> TenantInFlight::admit(const std::string& tenant_id) {
  {
    std::lock_guard<std::mutex> lock(counts_->mutex);
    int& count = counts_->by_tenant[tenant_id];
    if (count >= max_per_tenant_) return nullptr;
    ++count;
  }
  return std::make_shared<Slot>(counts_, tenant_id);
}

int TenantInFlight::in_flight(const std::string& tenant_id) const {
  std::lock_guard<std::mutex> lock(counts_->mutex);
  const auto found = counts_->by_tenant.find(tenant_id);
  return found == counts_->by_tenant.end() ? 0 : found->second;
}

std::size_t TenantInFlight::tenants_tracked() const {
  std::lock_guard<std::mutex> lock(counts_->mutex);
  return counts_->by_tenant.size();
}

}  // namespace cf::daemon
