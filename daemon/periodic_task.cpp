#include "daemon/periodic_task.h"

#include "common/log.h"

#include <random>

namespace cf::daemon {

PeriodicTask::PeriodicTask(std::string name, std::chrono::milliseconds first_delay, std::chrono::milliseconds interval,
                           std::function<void()> work, double jitter)
    : name_(std::move(name)), first_delay_(first_delay), interval_(interval), work_(std::move(work)), jitter_(jitter) {}

PeriodicTask::~PeriodicTask() { stop(); }

void PeriodicTask::start() { thread_ = std::thread([this] { run(); }); }

void PeriodicTask::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::run() {
  auto wait = first_delay_;
  int failures = 0;
  std::mt19937 random(std::random_device{}());
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, wait, [this] { return stopping_; })) {
    lock.unlock();
    try {
      work_();
      failures = 0;
    } catch (const std::exception& e) {
      ++failures;
      log::warn(name_ + " failed", {{"error", e.what()}, {"consecutive_failures", failures}});
    }
    std::uniform_real_distribution<double> spread(1.0 - jitter_, 1.0 + jitter_);
    wait = std::chrono::milliseconds(static_cast<long long>(
        static_cast<double>((interval_ * (1 << std::min(failures, 3))).count()) * spread(random)));
    lock.lock();
  }
}

}  // namespace cf::daemon
