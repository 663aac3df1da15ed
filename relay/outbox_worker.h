// OutboxWorker: drains the outbox inside the daemon. Its thread claims a due job (with a lease),
// runs it (a contact job through ContactErasure) or syncs the lead through LeadSync at systeme.requests_per_second, and records the result: done;
// retried later (429 honours Retry-After; 5xx and network errors back off exponentially with
// jitter); or, after a bounded number of attempts, failed and left visible with its error.
// Its database connection is kept between jobs and opened again when lost (store::KeptConnection,
// component "outbox"). start() and stop() belong to the owning thread; stop() waits for the job
// in hand.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "config/config.h"
#include "relay/contact_erasure.h"
#include "relay/lead_sync.h"
#include "relay/systeme_client.h"

namespace cf::relay {

struct OutboxPolicy {
  int max_attempts_transient = 25;  // 5xx, 429, network: about two hours of backing off
  int max_attempts_permanent = 3;   // 4xx other than "already used"
  int max_backoff_seconds = 300;
  std::chrono::milliseconds idle_poll{1000};
  int max_json_depth = 64;          // http.max_json_depth: an answer nested deeper is transient
};

// Seconds to wait before attempt `attempts` + 1: 2^attempts capped, times a jitter in [0.5, 1.5).
int backoff_seconds(int attempts, int cap, double jitter);

class OutboxWorker {
 public:
  // Calls and retries are counted in `metrics`; the request rate is paced on `clock`.
  OutboxWorker(Secret database_url, const SystemeConfig& systeme, OutboxPolicy policy = {},
               RelayMetrics& metrics = RelayMetrics::process_wide(), const Clock& clock = SystemClock::instance());
  ~OutboxWorker();
  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;

  void start();
  void stop();
  bool running() const { return thread_.joinable(); }
  // A reloaded config: the API key and request rate apply from the next job on.
  void reload(const SystemeConfig& systeme);

 private:
  void run();
  bool process_one(pqxx::connection& connection, LeadSync& sync, ContactErasure& erasure);

  Secret database_url_;
  SystemeConfig systeme_;
  OutboxPolicy policy_;
  RelayMetrics& metrics_;
  RateLimiter limiter_;
  TagCache tags_;
  std::string worker_id_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::optional<SystemeConfig> reloaded_;  // under mutex_, taken by the worker thread
  std::thread thread_;
};

}  // namespace cf::relay
