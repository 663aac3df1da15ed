#include "common/metrics.h"

namespace cf {

std::shared_ptr<prometheus::Registry> metrics_registry() {
  static const auto registry = std::make_shared<prometheus::Registry>();
  return registry;
}

}  // namespace cf
