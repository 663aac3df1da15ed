// IngestStore: stores a batch of webhook deliveries and all their effects in one transaction
// (group commit): the delivery log, the leads they create or change, the leads' timelines and the
// contact mirror. A delivery seen before is answered `duplicate` and changes nothing; with several
// writers or daemons on one database, person locks (store/person_lock.h) on the contacts a batch
// touches make concurrent batches about the same person take turns. What a batch does is decided
// by the ingest planner (ingest/planner.h); the store reads its snapshot (store/ingest_snapshot.h)
// and writes its plan (store/ingest_effects.h). Uses the connection it is given (system role),
// from one thread at a time.
#pragma once

#include <vector>

#include <pqxx/pqxx>

#include "config/secret.h"
#include "ingest/delivery.h"
#include "ingest/planner.h"
#include "store/person_lock.h"

namespace cf::store {

// One stored delivery that `events replay` routed differently than before.
using ReplayChange = ingest::ReplayChange;

struct ReplayPage {
  std::vector<ReplayChange> changes;
  int examined = 0;      // deliveries re-routed in this page
  long long last_id = 0;  // continue after this id; 0 when there was nothing left
};

// How the store routes: the clock skew a signed event's stated time is believed within
// (ingest.max_clock_skew_seconds; see ingest::ordered_at), and what replays re-parse stored
// bodies with (the daemon's http.max_json_depth).
struct IngestOptions {
  EpochMs max_clock_skew_ms = 300 * 1000;
  ingest::ParseOptions parse;
  bool convert_on_sale = true;  // leads.convert_on_sale (sql/009_conversion.sql reads it per transaction)
  Secret erasure_key;  // privacy.erasure_key: the key of the erasure marks (store/erasure.h)
};

class IngestStore {
 public:
  // Uses `connection`; its statements are prepared by configure_session() or on first use.
  explicit IngestStore(pqxx::connection& connection, IngestOptions options = {});

  // Once per new connection: prepare the ingest statements and plan each once (generic plans),
  // never by sequential scan, so a plan made while the tables were still empty keeps using their
  // indexes. (A connection that skips this gets the statements prepared on first use.)
  static void configure_session(pqxx::connection& connection);

  // One result per delivery, in order, after the transaction committed. Throws the database's
  // error when it could not commit (nothing of the batch is then stored); a batch that lost a
  // race with another writer is retried here first.
  std::vector<ingest::DeliveryResult> write(const std::vector<const ingest::Delivery*>& batch);

  // The last resort for a delivery the database refused (write() threw for it alone): keeps its
  // raw body, key and type as a `malformed` delivery with no contact and no effects, and `why`
  // (made printable ASCII) as its detail, so that nothing the sender would retry for ever is lost.
  ingest::DeliveryResult keep_refused(const ingest::Delivery& delivery, const std::string& why);

  // Routes again, in one transaction, up to `limit` stored deliveries with id > `after_id` that
  // wait for an admin (ingest::unrouted_statuses(), or only those of `status` when it is not
  // empty, no_lead included) and still have their body, as after a tenant was added. Their rows
  // get the new status; effects are applied as on receipt.
  ReplayPage replay(const std::string& status, long long after_id, int limit);

  // The same for the given deliveries (those not routed yet), inside the caller's transaction,
  // as after an admin assigned a contact's owners.
  ReplayPage replay_ids(pqxx::work& tx, const std::vector<long long>& ids);

 private:
  ReplayPage replay_stored(pqxx::work& tx, const std::vector<ingest::StoredDelivery>& stored);
  // "SET LOCAL clientflow.convert_on_sale = off; " when sales do not convert, else empty.
  std::string sale_setting() const;
  std::vector<ingest::DeliveryResult> write_once(const std::vector<const ingest::Delivery*>& batch);
  std::vector<ingest::DeliveryResult> write_in(pqxx::transaction_base& tx,
                                               const std::vector<const ingest::Delivery*>& batch);
  pqxx::connection& connection_;
  IngestOptions options_;
};

}  // namespace cf::store
