// RateLimiter: a token bucket pacing the calls to Systeme.io, `per_second` on average in bursts of
// at most `burst`, shared by the threads that call (the outbox worker, a command-line sync). Time
// comes from a Clock (common/clock.h), so tests move it by hand. Safe from any thread.
#pragma once

#include <chrono>
#include <mutex>

#include "common/clock.h"

namespace cf::relay {

class RateLimiter {
 public:
  RateLimiter(double per_second, double burst, const Clock& clock = SystemClock::instance());
  // Takes a token when one is there and returns zero; otherwise takes nothing and returns how
  // long until one will be.
  std::chrono::duration<double> try_take();
  // Blocks the calling thread until a token is taken.
  void wait();
  void set_rate(double per_second, double burst);  // takes effect for the next wait()

 private:
  const Clock& clock_;
  std::mutex mutex_;
  double per_second_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace cf::relay
