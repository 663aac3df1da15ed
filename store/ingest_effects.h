// Writing what ingest planning decided (ingest/planner.h): a batch's new delivery rows with their
// effects, or a replay's new routings with theirs. Runs the ingest statements
// (store/ingest_statements.h) on the caller's transaction; database errors are thrown as libpqxx
// throws them.
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "ingest/planner.h"

namespace cf::store {

// The statements that write `plan` (webhook_events rows, leads, timeline, mirror, then the rule
// webhooks waiting for the leads it created), to send with COMMIT in one round trip; empty when
// the batch stores no delivery.
std::string write_plan_statements(pqxx::transaction_base& tx, const ingest::IngestPlan& plan);

// Writes `plan`: each stored delivery's new routing, then the effects, as on receipt.
void write_replay(pqxx::transaction_base& tx, const ingest::ReplayPlan& plan);

}  // namespace cf::store
