#include "relay/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace cf::relay {

RateLimiter::RateLimiter(double per_second, double burst, const Clock& clock)
    : clock_(clock), per_second_(per_second), burst_(burst), tokens_(burst), last_(clock.steady_now()) {}

void RateLimiter::set_rate(double per_second, double burst) {
  std::lock_guard<std::mutex> lock(mutex_);
  per_second_ = per_second;
  burst_ = burst;
  tokens_ = std::min(tokens_, burst_);
}

std::chrono::duration<double> RateLimiter::try_take() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = clock_.steady_now();
  tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * per_second_);
  last_ = now;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return std::chrono::duration<double>(0);
  }
  return std::chrono::duration<double>((1.0 - tokens_) / per_second_);
}

void RateLimiter::wait() {
  for (auto sleep = try_take(); sleep.count() > 0; sleep = try_take()) std::this_thread::sleep_for(sleep);
}

}  // namespace cf::relay
