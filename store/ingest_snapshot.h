// Reading what ingest planning needs (ingest/planner.h): the snapshot of a batch, the rule
// fingerprints it claims, and the stored deliveries a replay routes again. Runs the ingest
// statements (store/ingest_statements.h) on the caller's transaction; database errors are thrown
// as libpqxx throws them.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "config/secret.h"
#include "ingest/planner.h"

namespace cf::store {

// Locks the batch's people (store/person_lock.h), then reads the snapshot `request` names, in one
// round trip; with `begin`, the same round trip opens the transaction first ("BEGIN; lock; read").
// The erasure marks of the request's people under `erasure_key` (none read when it is empty) go
// into the view's ErasedPeople.
ingest::BatchSnapshot read_snapshot(pqxx::transaction_base& tx, const ingest::SnapshotRequest& request, bool begin,
                                    const Secret& erasure_key = Secret());

// Claims `fingerprints` in rule_deliveries_seen; returns those this batch claimed (the others were
// seen in the last 10 minutes). No round trip when there is none.
std::set<std::string> claim_rule_fingerprints(pqxx::transaction_base& tx, const std::vector<std::string>& fingerprints);

// Stored deliveries to replay: at most `limit` with id > `after_id` of `status` ("" for every
// unrouted status), or those of `ids` not routed yet; each re-parsed with `parse`.
std::vector<ingest::StoredDelivery> read_unrouted(pqxx::transaction_base& tx, const std::string& status,
                                                  long long after_id, int limit, const ingest::ParseOptions& parse);
std::vector<ingest::StoredDelivery> read_unrouted_ids(pqxx::transaction_base& tx, const std::vector<long long>& ids,
                                                      const ingest::ParseOptions& parse);

}  // namespace cf::store
