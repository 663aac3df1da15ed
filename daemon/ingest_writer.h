// IngestWriter: group commit between the HTTP threads and PostgreSQL. An HTTP thread submit()s a
// verified delivery with a reply callback and returns at once; writer threads, each with its own
// connection, take whatever has queued up (up to max_batch), store it in one transaction through
// IngestStore, and only then call each reply. Deliveries are spread over the writers by contact,
// so two writers never wait on each other for the same person and one person's events keep
// their order. So no HTTP thread waits on the database, and a reply
// of success always follows a commit. The queue is bounded in deliveries (max_pending) and in
// their bodies' bytes (max_pending_bytes), and unsigned rule webhooks may fill at most half of
// each, so that Systeme.io's signed deliveries always find room; over a bound, or when
// PostgreSQL is unreachable, submit() refuses at once (the caller answers 503) and the writers
// reconnect by themselves (each keeps its connection: store::KeptConnection, component "ingest"). submit(), accepting() and database_up() are safe from any thread;
// start() and drain() from the owning thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "config/secret.h"
#include "ingest/delivery.h"
#include "store/ingest_store.h"
#include "daemon/schema_guard.h"
#include "store/kept_connection.h"

namespace cf::daemon {

class IngestWriter {
 public:
  struct Options {
    Secret database_url;
    int writers = 2;
    std::size_t max_batch = 256;
    std::size_t max_pending = 10000;
    // Body bytes queued at most; a single body larger than this is taken only into an empty queue.
    std::size_t max_pending_bytes = 64 * 1024 * 1024;
    store::IngestOptions ingest;  // how the store routes (clock skew)
    // While it says the schema is not this binary's, deliveries are answered as not stored.
    // Null: not checked (the schema is assumed to be this binary's).
    SchemaGuard* schema = nullptr;
  };
  // Called once per delivery from a writer thread: the result, or nullopt when it was not stored
  // (database down, draining); the sender should then retry.
  using Reply = std::function<void(const std::optional<ingest::DeliveryResult>&)>;

  explicit IngestWriter(Options options);
  ~IngestWriter();
  IngestWriter(const IngestWriter&) = delete;
  IngestWriter& operator=(const IngestWriter&) = delete;

  void start();
  // Queues a delivery; false (and `reply` is not kept) when the queue is full (in deliveries or
  // bytes), the writer is draining, or the database is down.
  bool submit(ingest::Delivery delivery, Reply reply);
  // Stops accepting, stores what is queued, and joins the writers (at most `deadline`; what is
  // still queued then is answered as not stored).
  void drain(std::chrono::milliseconds deadline);

  bool database_up() const { return database_up_.load(); }
  std::size_t pending() const;
  std::size_t pending_bytes() const;

 private:
  struct Item {
    ingest::Delivery delivery;
    Reply reply;
  };
  struct Shard {
    std::deque<Item> queue;
    std::condition_variable ready;
  };
  void run(Shard& shard);
  std::vector<Item> take(Shard& shard, std::chrono::milliseconds wait);
  void store(std::vector<Item>& batch, store::KeptConnection& connection);
  // A writer's connection, set up for ingest, tried again at the writers' idle pace.
  store::KeptConnection writer_connection() const;

  Options options_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Shard>> shards_;  // one per writer
  std::size_t queued_ = 0;
  std::size_t queued_bytes_ = 0;
  // Rule webhooks among them (at most half of either bound).
  std::size_t queued_rules_ = 0;
  std::size_t queued_rule_bytes_ = 0;
  bool draining_ = false;
  std::atomic<bool> database_up_{false};
  std::vector<std::thread> threads_;
};

}  // namespace cf::daemon
