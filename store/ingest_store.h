// IngestStore: stores a batch of webhook deliveries and all their effects in one transaction
// (group commit): the delivery log, the leads they create or change, the leads' timelines and the
// contact mirror. A delivery seen before is answered `duplicate` and changes nothing; with several
// writers or daemons on one database, advisory locks on the contacts a batch touches make
// concurrent batches about the same person take turns. Uses the connection it is given (system
// role), from one thread at a time.
#pragma once

#include <vector>

#include <pqxx/pqxx>

#include "ingest/delivery.h"

namespace cf::store {

class IngestStore {
 public:
  explicit IngestStore(pqxx::connection& connection) : connection_(connection) {}

  // One result per delivery, in order, after the transaction committed. Throws the database's
  // error when it could not commit (nothing of the batch is then stored); a batch that lost a
  // race with another writer is retried here first.
  std::vector<ingest::DeliveryResult> write(const std::vector<const ingest::Delivery*>& batch);

 private:
  std::vector<ingest::DeliveryResult> write_once(const std::vector<const ingest::Delivery*>& batch);
  pqxx::connection& connection_;
};

}  // namespace cf::store
