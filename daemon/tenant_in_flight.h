// TenantInFlight: how many of each tenant's tenant-API requests are queued or running on the
// database in this daemon at once, capped per tenant, so that one IB's slow requests cannot fill
// the shared queue (see DbExecutor) while it stays within its rate. admit() hands out a Slot, or
// nothing when the tenant already holds its cap (the caller answers 429). A Slot gives its place
// back once: on release(), or when it is destroyed, whichever comes first; whoever owns the
// request's queued job owns its Slot, so every path (answered, database unavailable, failed,
// queue full, never queued) gives it back. Slots share the counts with the TenantInFlight that
// made them and may outlive it. Memory holds only tenants with a request in flight. Every function
// is safe from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace cf::daemon {

class TenantInFlight {
  struct Counts {
    std::mutex mutex;
    std::unordered_map<std::string, int> by_tenant;  // only tenants with a request in flight
  };

 public:
  class Slot {
   public:
    Slot(std::shared_ptr<Counts> counts, std::string tenant_id)
        : counts_(std::move(counts)), tenant_id_(std::move(tenant_id)) {}
    ~Slot() { release(); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    // Gives the place back; later calls do nothing.
    void release();

   private:
    std::shared_ptr<Counts> counts_;  // null once released
    std::string tenant_id_;
  };

  // `max_per_tenant` >= 1.
  explicit TenantInFlight(int max_per_tenant);

  // A place for one more of `tenant_id`'s requests; null when it already has max_per_tenant.
  std::shared_ptr<Slot> admit(const std::string& tenant_id);
  // `tenant_id`'s requests in flight now.
  int in_flight(const std::string& tenant_id) const;
  // Tenants with a request in flight now.
  std::size_t tenants_tracked() const;

 private:
  int max_per_tenant_;
  std::shared_ptr<Counts> counts_;
};

}  // namespace cf::daemon
