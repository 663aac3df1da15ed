// Reloadable<T>: a value that SIGHUP can replace while other threads read it. get() hands out a
// snapshot that stays valid and unchanged for as long as the reader holds it. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace cf {

template <typename T>
class Reloadable {
 public:
  explicit Reloadable(T value) : value_(std::make_shared<const T>(std::move(value))) {}

  std::shared_ptr<const T> get() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return value_;
  }

  void set(T value) {
    auto next = std::make_shared<const T>(std::move(value));
    std::lock_guard<std::mutex> lock(mutex_);
    value_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> value_;
};

}  // namespace cf
