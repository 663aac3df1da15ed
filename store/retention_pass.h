// RetentionPass: the daemon's retention task around store::prune() (store/retention.h). Each
// run() prunes on a connection opened for the pass and closed after it, so hourly work holds no
// connection in between (store::KeptConnection, component "retention"), and logs what it
// removed. Meant to be run by one PeriodicTask: run() belongs to one thread at a time.
#pragma once

#include "config/secret.h"
#include "store/kept_connection.h"

namespace cf::store {

class RetentionPass {
 public:
  RetentionPass(Secret database_url, int raw_body_days);

  // One pass; throws (for PeriodicTask to log) when the database cannot be reached or the pass
  // fails part-way (what was committed by then stays committed).
  void run();

 private:
  KeptConnection connection_;
  int raw_body_days_;
};

}  // namespace cf::store
