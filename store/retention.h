// Retention: dropping what the daemon no longer needs, in small batches so no long lock is held.
// Raw webhook bodies older than retention.raw_body_days are removed, while the delivery row and
// what it routed (status, tenant, lead, timeline) stay; rule-webhook fingerprints past their
// 10-minute dedup window are deleted. Uses the connection it is given, from one thread.
#pragma once

#include <pqxx/pqxx>

namespace cf::store {

struct PruneReport {
  long long bodies_dropped = 0;
  long long fingerprints_deleted = 0;
  bool skipped = false;  // another daemon was pruning at the same time
};

// Prunes as described above; throws the database's error when it fails part-way (what was
// committed by then stays committed).
PruneReport prune(pqxx::connection& connection, int raw_body_days);

}  // namespace cf::store
