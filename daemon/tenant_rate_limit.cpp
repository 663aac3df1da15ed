#include "daemon/tenant_rate_limit.h"

#include <algorithm>
#include <cmath>

namespace cf::daemon {

namespace {
constexpr double kDayMs = 86'400'000.0;
}  // namespace

TenantRateLimit::TenantRateLimit(double per_second, double burst, const Clock& clock)
    : clock_(clock), per_second_(per_second), burst_(burst), last_sweep_(clock.now_ms()) {}

double TenantRateLimit::refilled(const Bucket& bucket, EpochMs now) const {
  const double elapsed_seconds = static_cast<double>(std::max<EpochMs>(0, now - bucket.at)) / 1000.0;
  return std::min(burst_, bucket.tokens + elapsed_seconds * per_second_);
}

void TenantRateLimit::forget_idle(EpochMs now) {
  // A bucket refills from empty to the burst in burst / rate seconds; sweeping more often than
  // that (or than once a second) would mostly find nothing to drop.
  const auto period = static_cast<EpochMs>(std::clamp(1000.0 * burst_ / per_second_, 1000.0, kDayMs));
  if (now - last_sweep_ < period && now >= last_sweep_) return;
  last_sweep_ = now;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = refilled(it->second, now) >= burst_ ? buckets_.erase(it) : std::next(it);
  }
}

TenantRateLimit::Verdict TenantRateLimit::admit(const std::string& tenant_id) {
  const EpochMs now = clock_.now_ms();
  std::lock_guard<std::mutex> lock(mutex_);
  forget_idle(now);
  Bucket& bucket = buckets_.try_emplace(tenant_id, Bucket{burst_, now}).first->second;
  const double tokens = refilled(bucket, now);
  if (tokens >= 1.0) {
    bucket = {tokens - 1.0, now};
    return {};
  }
  if (now < bucket.at) bucket.at = now;  // the clock went back: refill from here
  const double seconds = std::min((1.0 - tokens) / per_second_, kDayMs / 1000.0);  // absurd rates stay in range
  return {false, std::max(1, static_cast<int>(std::ceil(seconds - 1e-9)))};
}

void TenantRateLimit::set_rate(double per_second, double burst) {
  std::lock_guard<std::mutex> lock(mutex_);
  per_second_ = per_second;
  burst_ = burst;
  for (auto& [tenant, bucket] : buckets_) bucket.tokens = std::min(bucket.tokens, burst_);
}

std::size_t TenantRateLimit::tenants_tracked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return buckets_.size();
}

}  // namespace cf::daemon
