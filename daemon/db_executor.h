// DbExecutor: runs request work that needs PostgreSQL on its own threads, each with its own
// connection, so Pistache's threads never wait on the database. A job gets the connection and
// answers its request itself; when the database is unreachable (or the queue is full) its
// `unavailable` callback answers instead. Queued jobs wait in lanes (the tenant API gives each
// tenant its own) that take turns as FairQueue says: a job waits for the jobs running and at most
// one job of each other lane, however many that lane has queued. Jobs that name no lane share
// one, first come first served. A job is destroyed, with whatever it owns, once it has run or
// been answered unavailable. Each thread keeps its connection (store::KeptConnection): a lost one
// is opened again for a later job, and while it cannot be, jobs are answered unavailable at once.
// submit() is safe from any thread; start() and stop() belong to the owning thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "config/secret.h"
#include "daemon/fair_queue.h"
#include "store/kept_connection.h"

namespace cf::daemon {

class DbExecutor {
 public:
  struct Job {
    std::function<void(pqxx::connection&)> run;  // may throw: see `unavailable` and `failed`
    std::function<void()> unavailable;           // database unreachable, queue full, stopping
    std::function<void(const std::exception&)> failed;  // any other error thrown by `run`
    std::string lane;                                   // "" for the shared lane
  };

  // `component` names its database errors and reconnects in the metrics (api, admin).
  DbExecutor(Secret database_url, int threads, std::size_t max_queued, std::string component = "api");
  ~DbExecutor();
  DbExecutor(const DbExecutor&) = delete;
  DbExecutor& operator=(const DbExecutor&) = delete;

  void start();
  // Runs every queued job, then joins the threads.
  void stop();
  // Queues `job` in its lane (at most `max_queued` jobs wait in all lanes together), or calls
  // job.unavailable() at once when it cannot be taken.
  void submit(Job job);

 private:
  void run();
  // Runs `job` on `connection` (opened again first when lost), or answers it unavailable.
  void run_job(Job& job, store::KeptConnection& connection);

  Secret database_url_;
  int threads_count_;
  std::size_t max_queued_;
  std::string component_;
  std::mutex mutex_;
  std::condition_variable ready_;
  FairQueue<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cf::daemon
