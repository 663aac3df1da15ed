#include "daemon/db_executor.h"

namespace cf::daemon {

DbExecutor::DbExecutor(Secret database_url, int threads, std::size_t max_queued, std::string component)
    : database_url_(std::move(database_url)), threads_count_(std::max(1, threads)), max_queued_(max_queued),
      component_(std::move(component)) {
  store::ConnectionMetrics::process_wide().add_component(component_);
}

DbExecutor::~DbExecutor() { stop(); }

void DbExecutor::start() {
  for (int i = 0; i < threads_count_; ++i) threads_.emplace_back([this] { run(); });
}

void DbExecutor::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

void DbExecutor::submit(Job job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_ && queue_.size() < max_queued_) {
      const std::string lane = job.lane;
      queue_.push(lane, std::move(job));
      ready_.notify_one();
      return;
    }
  }
  job.unavailable();
}

void DbExecutor::run() {
  store::KeptConnection connection(database_url_, component_);
  for (;;) {
    std::optional<FairQueue<Job>::Taken> taken;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || queue_.size() > 0; });
      taken = queue_.take();
      if (!taken) return;
    }
    run_job(taken->item, connection);
    taken->item = {};  // destroyed (and what it owns released) before its lane's turn ends
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.done(taken->lane);
  }
}

void DbExecutor::run_job(Job& job, store::KeptConnection& connection) {
  auto open = connection.get();
  if (!open) return job.unavailable();
  try {
    job.run(**open);
  } catch (const std::exception& e) {
    if (connection.failed(e)) {
      job.unavailable();
    } else {
      job.failed(e);  // logs it with the request's id
    }
  }
}

}  // namespace cf::daemon
