#include "relay/outbox_worker.h"

#include <unistd.h>

#include <cmath>
#include <random>

#include "common/crypto.h"
#include "common/log.h"
#include "relay/contact_erasure.h"
#include "relay/relay_metrics.h"
#include "store/kept_connection.h"

namespace cf::relay {

int backoff_seconds(int attempts, int cap, double jitter) {
  const double base = std::min<double>(cap, std::pow(2.0, std::min(attempts, 20)));
  return std::max(1, static_cast<int>(base * jitter));
}

namespace {

// `job` synced, or, should anything be thrown while syncing it (LeadSync turns every answer it
// did not expect into a retry, so this is the last line), a retry naming what was thrown: the
// job is answered either way, never left leased until its lease runs out.
SyncOutcome sync_or_retry(LeadSync& sync, ContactErasure& erasure, const store::SyncJob& job) {
  try {
    return job.kind == store::JobKind::sync_lead ? sync.sync(job) : erasure.run(job);
  } catch (const std::exception& e) {
    SyncOutcome outcome;
    outcome.kind = SyncOutcome::Kind::retry;
    outcome.error = std::string("sync: unexpected error: ") + e.what();
    return outcome;
  }
}

}  // namespace

OutboxWorker::OutboxWorker(Secret database_url, const SystemeConfig& systeme, OutboxPolicy policy,
                           RelayMetrics& metrics, const Clock& clock)
    : database_url_(std::move(database_url)), systeme_(systeme), policy_(policy), metrics_(metrics),
      limiter_(systeme.requests_per_second, std::max(1.0, systeme.requests_per_second), clock) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  worker_id_ = std::string(host) + ":" + std::to_string(getpid()) + ":" + crypto::random_string(6, "abcdefghijklmnopqrstuvwxyz");
}

OutboxWorker::~OutboxWorker() { stop(); }

void OutboxWorker::start() { thread_ = std::thread([this] { run(); }); }

void OutboxWorker::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool OutboxWorker::process_one(pqxx::connection& connection, LeadSync& sync, ContactErasure& erasure) {
  store::OutboxStore outbox(connection);
  const auto job = outbox.claim(worker_id_, systeme_.job_lease_seconds);
  if (!job) return false;
  const SyncOutcome outcome = sync_or_retry(sync, erasure, *job);
  static thread_local std::mt19937 random(std::random_device{}());
  const double jitter = std::uniform_real_distribution<double>(0.5, 1.5)(random);
  switch (outcome.kind) {
    case SyncOutcome::Kind::done:
      outbox.complete(*job, worker_id_, outcome.contact_id, outcome.tags);
      if (job->kind != store::JobKind::sync_lead) {
        log::info("contact job done", {{"tenant_id", job->tenant_id}, {"job_id", job->id}});
        break;
      }
      log::info("lead synced", {{"tenant_id", job->tenant_id}, {"lead_id", job->lead_id}, {"contact_id", outcome.contact_id}});
      break;
    case SyncOutcome::Kind::retry:
    case SyncOutcome::Kind::failed: {
      const bool permanent = outcome.kind == SyncOutcome::Kind::failed;
      const int limit = permanent ? policy_.max_attempts_permanent : policy_.max_attempts_transient;
      if (job->attempts >= limit) {
        outbox.fail(*job, worker_id_, outcome.error, outcome.contact_id);
        log::error("lead sync gave up", {{"tenant_id", job->tenant_id}, {"lead_id", job->lead_id}, {"error", outcome.error},
                                         {"attempts", job->attempts}});
      } else {
        const int delay = std::max(outcome.retry_after_seconds,
                                   backoff_seconds(job->attempts, policy_.max_backoff_seconds, jitter));
        outbox.retry(*job, worker_id_, delay, outcome.error, outcome.contact_id);
        metrics_.api_retry("outbox");
        log::warn("lead sync will retry", {{"tenant_id", job->tenant_id}, {"lead_id", job->lead_id}, {"error", outcome.error},
                                           {"attempts", job->attempts}, {"delay_seconds", delay}});
      }
    }
  }
  return true;
}

void OutboxWorker::reload(const SystemeConfig& systeme) {
  limiter_.set_rate(systeme.requests_per_second, std::max(1.0, systeme.requests_per_second));
  std::lock_guard<std::mutex> lock(mutex_);
  reloaded_ = systeme;
}

void OutboxWorker::run() {
  SystemeClient client(systeme_.api_base, systeme_.api_key, limiter_, std::chrono::seconds(systeme_.timeout_seconds),
                       policy_.max_json_depth, metrics_);
  LeadSync sync(client, tags_);
  ContactErasure erasure(client);
  store::KeptConnection::Options pace;
  pace.max_retry = policy_.idle_poll;
  store::KeptConnection kept(database_url_, "outbox", std::move(pace));
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (reloaded_) {
        client.set_api_key(reloaded_->api_key);
        reloaded_.reset();
      }
    }
    bool worked = false;
    if (auto connection = kept.get()) {
      try {
        worked = process_one(**connection, sync, erasure);
      } catch (const std::exception& e) {
        log::warn("outbox: database error", {{"error", e.what()}});
        if (!kept.failed(e)) kept.close();  // the next job starts on a new connection all the same
      }
    }
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_) return;
    if (!worked) wake_.wait_for(lock, policy_.idle_poll, [this] { return stopping_; });
  }
}

}  // namespace cf::relay
