#include "daemon/ingest_writer.h"

#include "common/log.h"
#include "daemon/daemon_metrics.h"
#include "store/database.h"
#include "store/ingest_store.h"
#include "store/person_lock.h"

namespace cf::daemon {

namespace {
constexpr std::chrono::milliseconds kIdleWait{500};

// Whether `bytes` more fit beside `count` deliveries of `used` bytes within `max_count` and
// `max_bytes` (a single body larger than max_bytes fits only where nothing is queued).
bool fits(std::size_t count, std::size_t used, std::size_t bytes, std::size_t max_count, std::size_t max_bytes) {
  return count < max_count && (count == 0 || used + bytes <= max_bytes);
}

void reply_all(std::vector<std::optional<ingest::DeliveryResult>> results, std::vector<IngestWriter::Reply>& replies) {
  for (std::size_t i = 0; i < replies.size(); ++i) replies[i](results[i]);
}
}  // namespace

IngestWriter::IngestWriter(Options options) : options_(std::move(options)) {
  for (int i = 0; i < std::max(1, options_.writers); ++i) shards_.push_back(std::make_unique<Shard>());
}

IngestWriter::~IngestWriter() { drain(std::chrono::milliseconds(0)); }

void IngestWriter::start() {
  // Probe once so the first requests are not refused while the writers connect.
  auto probe = store::connect(options_.database_url);
  database_up_ = probe.ok();
  for (auto& shard : shards_) threads_.emplace_back([this, &shard] { run(*shard); });
}

bool IngestWriter::submit(ingest::Delivery delivery, Reply reply) {
  const std::string person = store::person_key(delivery.parsed.event.contact);
  Shard& shard = *shards_[std::hash<std::string>{}(person.empty() ? delivery.dedup_key : person) % shards_.size()];
  const std::size_t bytes = delivery.body.size();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (draining_ || !database_up_) return false;
    if (!fits(queued_, queued_bytes_, bytes, options_.max_pending, options_.max_pending_bytes)) return false;
    const bool rule = delivery.source == ingest::Source::rule;
    if (rule && !fits(queued_rules_, queued_rule_bytes_, bytes, std::max<std::size_t>(1, options_.max_pending / 2),
                      options_.max_pending_bytes / 2)) {
      return false;
    }
    if (rule) {
      ++queued_rules_;
      queued_rule_bytes_ += bytes;
    }
    shard.queue.push_back({std::move(delivery), std::move(reply)});
    DaemonMetrics::process_wide().queue_depth(++queued_);
    DaemonMetrics::process_wide().queue_bytes(queued_bytes_ += bytes);
  }
  shard.ready.notify_one();
  return true;
}

std::size_t IngestWriter::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queued_;
}

std::size_t IngestWriter::pending_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queued_bytes_;
}

void IngestWriter::drain(std::chrono::milliseconds deadline) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (draining_ && threads_.empty()) return;
    draining_ = true;
  }
  for (auto& shard : shards_) shard->ready.notify_all();
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queued_ == 0 || std::chrono::steady_clock::now() >= until) {
        // Whatever is left past the deadline is answered as not stored.
        for (auto& shard : shards_) {
          for (auto& item : shard->queue) item.reply(std::nullopt);
          shard->queue.clear();
        }
        queued_ = queued_bytes_ = queued_rules_ = queued_rule_bytes_ = 0;
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& shard : shards_) shard->ready.notify_all();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

std::vector<IngestWriter::Item> IngestWriter::take(Shard& shard, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  shard.ready.wait_for(lock, wait, [&] { return !shard.queue.empty() || draining_; });
  std::vector<Item> batch;
  const std::size_t count = std::min(shard.queue.size(), options_.max_batch);
  batch.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const ingest::Delivery& next = shard.queue.front().delivery;
    queued_bytes_ -= next.body.size();
    if (next.source == ingest::Source::rule) {
      --queued_rules_;
      queued_rule_bytes_ -= next.body.size();
    }
    batch.push_back(std::move(shard.queue.front()));
    shard.queue.pop_front();
  }
  queued_ -= count;
  DaemonMetrics::process_wide().queue_depth(queued_);
  DaemonMetrics::process_wide().queue_bytes(queued_bytes_);
  return batch;
}

store::KeptConnection IngestWriter::writer_connection() const {
  store::KeptConnection::Options options;
  options.max_retry = kIdleWait;
  options.opened = [](pqxx::connection& connection) { store::IngestStore::configure_session(connection); };
  return store::KeptConnection(options_.database_url, "ingest", std::move(options));
}

void IngestWriter::run(Shard& shard) {
  store::KeptConnection connection = writer_connection();
  for (;;) {
    // While the database is out of reach, wake when the next try is due.
    auto batch = take(shard, connection.is_open() ? kIdleWait : std::min(kIdleWait, connection.until_retry()));
    if (batch.empty()) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (draining_ && shard.queue.empty()) return;
      }
      if (!connection.is_open() && connection.get() && !database_up_.exchange(true)) {
        log::info("database reachable again: accepting deliveries");
      }
      continue;
    }
    store(batch, connection);
  }
}

void IngestWriter::store(std::vector<Item>& batch, store::KeptConnection& kept) {
  std::vector<Reply> replies;
  std::vector<const ingest::Delivery*> deliveries;
  for (auto& item : batch) {
    replies.push_back(std::move(item.reply));
    deliveries.push_back(&item.delivery);
  }
  // The connection is lost (or could not be opened): every delivery left is answered not stored.
  const auto fail_all = [&](const std::string& why) {
    if (database_up_.exchange(false)) log::warn("database unreachable: refusing deliveries", {{"reason", why}});
    reply_all(std::vector<std::optional<ingest::DeliveryResult>>(replies.size()), replies);
  };

  // Another schema than this binary's: not stored, so Systeme.io delivers again once they agree.
  const auto not_this_schema = [&](std::size_t from) {
    for (std::size_t i = from; i < replies.size(); ++i) replies[i](std::nullopt);
  };
  if (options_.schema != nullptr && !options_.schema->matches()) return not_this_schema(0);

  auto open = kept.get();
  if (!open) return fail_all(open.error().message);
  pqxx::connection& connection = **open;
  try {
    auto results = store::IngestStore(connection, options_.ingest).write(deliveries);
    database_up_ = true;
    DaemonMetrics::process_wide().batch_committed(deliveries.size());
    std::vector<std::optional<ingest::DeliveryResult>> answers(results.begin(), results.end());
    return reply_all(std::move(answers), replies);
  } catch (const std::exception& e) {
    if (kept.failed(e)) return fail_all(e.what());
    log::error("batch failed; storing its deliveries one by one", {{"error", e.what()}, {"size", batch.size()}});
  }
  // A delivery the database refuses must not take its batch down with it: store each alone,
  // and one that still fails is kept as malformed, without effects, so nothing is lost.
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      auto result = store::IngestStore(connection, options_.ingest).write({deliveries[i]});
      replies[i](result.front());
    } catch (const std::exception& e) {
      if (kept.failed(e)) {
        std::vector<Reply> rest(std::make_move_iterator(replies.begin() + static_cast<long>(i)),
                                std::make_move_iterator(replies.end()));
        replies.swap(rest);
        return fail_all(e.what());
      }
      try {
        // Refused because the schema changed under us (a migrate, a restore)? Then it is not malformed.
        if (options_.schema != nullptr && !options_.schema->check_now(connection)) return not_this_schema(i);
        replies[i](store::IngestStore(connection, options_.ingest).keep_refused(*deliveries[i], e.what()));
      } catch (const std::exception& again) {
        log::error("delivery could not be stored", {{"error", again.what()}});
        replies[i](std::nullopt);
      }
    }
  }
}

}  // namespace cf::daemon
