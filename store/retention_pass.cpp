#include "store/retention_pass.h"

#include <stdexcept>

#include "common/log.h"
#include "store/retention.h"

namespace cf::store {

RetentionPass::RetentionPass(Secret database_url, int raw_body_days)
    : connection_(std::move(database_url), "retention"), raw_body_days_(raw_body_days) {}

void RetentionPass::run() {
  auto connection = connection_.get();
  if (!connection) throw std::runtime_error(connection.error().message);
  PruneReport report;
  try {
    report = prune(**connection, raw_body_days_);
  } catch (const std::exception& e) {
    if (!connection_.failed(e)) connection_.close();
    throw;
  }
  connection_.close();
  if (report.bodies_dropped > 0 || report.fingerprints_deleted > 0) {
    log::info("retention pass", {{"bodies_dropped", report.bodies_dropped},
                                 {"fingerprints_deleted", report.fingerprints_deleted}});
  }
}

}  // namespace cf::store
