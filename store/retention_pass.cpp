#include "store/retention_pass.h"

#include "common/log.h"
#include "store/retention.h"

namespace cf::store {

RetentionPass::RetentionPass(Secret database_url, int raw_body_days)
    : connection_(std::move(database_url), "retention"), raw_body_days_(raw_body_days) {}

void RetentionPass::run() {
  PruneReport report;
  connection_.for_one_pass([&](pqxx::connection& connection) { report = prune(connection, raw_body_days_); });
  if (report.bodies_dropped > 0 || report.fingerprints_deleted > 0) {
    log::info("retention pass", {{"bodies_dropped", report.bodies_dropped},
                                 {"fingerprints_deleted", report.fingerprints_deleted}});
  }
}

}  // namespace cf::store
