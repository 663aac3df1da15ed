// PeriodicTask: runs a piece of work on its own thread, first after `first_delay`, then every
// `interval` (spread by +/- `jitter`, a fraction, so daemons started together drift apart), until
// stop(). When the work throws, the error is logged at warn and the next run
// waits twice as long (up to 8 intervals), then the pace returns to normal after a success.
// start() and stop() are called from the owning thread; stop() returns once the thread is gone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace cf::daemon {

class PeriodicTask {
 public:
  PeriodicTask(std::string name, std::chrono::milliseconds first_delay, std::chrono::milliseconds interval,
               std::function<void()> work, double jitter = 0.0);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void start();
  void stop();

 private:
  void run();

  std::string name_;
  std::chrono::milliseconds first_delay_;
  std::chrono::milliseconds interval_;
  std::function<void()> work_;
  double jitter_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cf::daemon
