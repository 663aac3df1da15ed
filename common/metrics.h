// The process-wide Prometheus registry every module declares its metrics in (each in its own
// *_metrics.h, as a class a test builds on a registry of its own, with one instance on this
// registry); the daemon's MetricsServer serves it on metrics.listen. Command-line runs use the
// same code paths and simply never expose it. Safe from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include <prometheus/family.h>
#include <prometheus/registry.h>

namespace cf {

std::shared_ptr<prometheus::Registry> metrics_registry();

// The one series of a family without labels, added at its first use (it stays out of the
// exposition until then) and found without a lookup after. Safe from any thread.
template <typename T>
class LazySeries {
 public:
  // `args` are the series' own (a histogram's bucket boundaries); `family` must outlive this.
  template <typename... Args>
  explicit LazySeries(prometheus::Family<T>& family, Args... args)
      : add_([&family, args...]() -> T& { return family.Add({}, args...); }) {}
  LazySeries(const LazySeries&) = delete;
  LazySeries& operator=(const LazySeries&) = delete;

  T& get() {
    T* series = series_.load(std::memory_order_acquire);
    if (series == nullptr) {
      series = &add_();  // two threads may both get here: Add returns the same series to both
      series_.store(series, std::memory_order_release);
    }
    return *series;
  }

 private:
  std::function<T&()> add_;
  std::atomic<T*> series_{nullptr};
};

}  // namespace cf
