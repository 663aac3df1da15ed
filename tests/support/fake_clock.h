// FakeClock: a Clock (common/clock.h) that stands still until the test sets or advances it. Both
// readings move together: the wall clock (now_ms) and the monotonic one (steady_now), which starts
// at the steady clock's epoch. Safe from any thread, so a component's threads may read it while
// the test moves it.
#pragma once

#include <chrono>
#include <mutex>

#include "common/clock.h"

namespace cf::testing {

class FakeClock : public Clock {
 public:
  // 2027-01-15T08:00:00Z unless told otherwise.
  explicit FakeClock(EpochMs now = 1'800'000'000'000) : wall_(now) {}

  EpochMs now_ms() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return wall_;
  }

  std::chrono::steady_clock::time_point steady_now() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::chrono::steady_clock::time_point(std::chrono::duration_cast<std::chrono::steady_clock::duration>(elapsed_));
  }

  // Moves both readings forward by `by` (a duration of zero or more).
  void advance(std::chrono::milliseconds by) {
    std::lock_guard<std::mutex> lock(mutex_);
    wall_ += by.count();
    elapsed_ += by;
  }

  // Sets the wall clock to `now`, forward or back, as an operator would; the monotonic reading
  // moves forward by as much when `now` is later, and stays where it is otherwise.
  void set(EpochMs now) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (now > wall_) elapsed_ += std::chrono::milliseconds(now - wall_);
    wall_ = now;
  }

 private:
  mutable std::mutex mutex_;
  EpochMs wall_;
  std::chrono::milliseconds elapsed_{0};
};

}  // namespace cf::testing
