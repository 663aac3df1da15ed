// TenantRateLimit: the tenant API's per-tenant rate limit in this daemon (api.requests_per_second_
// per_tenant, api.burst_per_tenant): one token bucket per tenant id, refilled at the rate up to the
// burst. admit() takes a token or says how many whole seconds until one is back (Retry-After).
// Memory stays bounded: a bucket that has refilled to the burst says nothing a new one would not,
// so such buckets are dropped in a sweep at most once per refill period. Time comes from the Clock
// given (which it does not own); a clock going back gives no tokens. Safe from any thread.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace cf::daemon {

class TenantRateLimit {
 public:
  struct Verdict {
    bool admitted = true;
    int retry_after_seconds = 0;  // when refused: whole seconds until a token is back, at least 1
  };

  // `per_second` > 0, `burst` >= 1 (config validation guarantees both).
  TenantRateLimit(double per_second, double burst, const Clock& clock);

  // Takes one of `tenant_id`'s tokens; refused (taking nothing) when it has none.
  Verdict admit(const std::string& tenant_id);
  // From the next request on; buckets above the new burst are cut down to it.
  void set_rate(double per_second, double burst);
  // Tenants with a bucket in memory.
  std::size_t tenants_tracked() const;

 private:
  struct Bucket {
    double tokens;
    EpochMs at;  // when `tokens` was counted
  };
  double refilled(const Bucket& bucket, EpochMs now) const;  // under mutex_
  void forget_idle(EpochMs now);                             // under mutex_

  const Clock& clock_;
  mutable std::mutex mutex_;
  double per_second_;
  double burst_;
  std::unordered_map<std::string, Bucket> buckets_;
  EpochMs last_sweep_;
};

}  // namespace cf::daemon
