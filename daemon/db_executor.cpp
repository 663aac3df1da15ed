#include "daemon/db_executor.h"

#include "daemon/daemon_metrics.h"

#include "common/log.h"
#include "store/database.h"

namespace cf::daemon {

DbExecutor::DbExecutor(Secret database_url, int threads, std::size_t max_queued, std::string component)
    : database_url_(std::move(database_url)), threads_count_(std::max(1, threads)), max_queued_(max_queued),
      component_(std::move(component)) {}

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
  std::unique_ptr<pqxx::connection> connection;
  bool lost_connection = false;
  for (;;) {
    std::optional<FairQueue<Job>::Taken> taken;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || queue_.size() > 0; });
      taken = queue_.take();
      if (!taken) return;
    }
    run_job(taken->item, connection, lost_connection);
    taken->item = {};  // destroyed (and what it owns released) before its lane's turn ends
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.done(taken->lane);
  }
}

void DbExecutor::run_job(Job& job, std::unique_ptr<pqxx::connection>& connection, bool& lost_connection) {
  if (!connection || !connection->is_open()) {
    auto opened = store::connect(database_url_);
    if (!opened) {
      metrics::database_error(component_);
      job.unavailable();
      return;
    }
    if (lost_connection) metrics::database_reconnect(component_);
    lost_connection = false;
    connection = std::move(*opened);
  }
  try {
    job.run(*connection);
  } catch (const std::exception& e) {
    metrics::database_error(component_);
    if (store::is_unavailable(e) || !connection->is_open()) {
      connection.reset();
      lost_connection = true;
      job.unavailable();
    } else {
      job.failed(e);  // logs it with the request's id
    }
  }
}

}  // namespace cf::daemon
