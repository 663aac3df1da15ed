#include "relay/relay_metrics.h"

#include <cctype>

#include "common/metrics.h"

namespace cf::relay {

RelayMetrics::RelayMetrics(prometheus::Registry& registry)
    : calls_(prometheus::BuildCounter()
                 .Name("clientflow_systeme_api_requests_total")
                 .Help("Calls to the Systeme.io API by endpoint and HTTP status (error: no answer)")
                 .Register(registry)),
      retries_(prometheus::BuildCounter()
                   .Name("clientflow_systeme_api_retries_total")
                   .Help("Work retried after a failed Systeme.io API answer (429, 5xx, none), by component")
                   .Register(registry)),
      too_deep_(prometheus::BuildCounter()
                    .Name("clientflow_systeme_api_answers_too_deep_total")
                    .Help("Systeme.io API answers nested deeper than http.max_json_depth, left unparsed, by endpoint")
                    .Register(registry)),
      unexpected_(prometheus::BuildCounter()
                      .Name("clientflow_systeme_api_answers_unexpected_total")
                      .Help("Systeme.io API answers of an unexpected shape (a field missing or of another type), "
                            "by endpoint")
                      .Register(registry)) {}

RelayMetrics& RelayMetrics::process_wide() {
  static RelayMetrics metrics(*metrics_registry());
  return metrics;
}

void RelayMetrics::api_call(const std::string& endpoint, long status) {
  calls_.Add({{"endpoint", endpoint}, {"status", status == 0 ? std::string("error") : std::to_string(status)}}).Increment();
}

void RelayMetrics::api_retry(const std::string& component) { retries_.Add({{"component", component}}).Increment(); }

void RelayMetrics::answer_too_deep(const std::string& endpoint) { too_deep_.Add({{"endpoint", endpoint}}).Increment(); }

void RelayMetrics::answer_unexpected(const std::string& endpoint) {
  unexpected_.Add({{"endpoint", endpoint}}).Increment();
}

namespace metrics {

std::string endpoint_of(const std::string& method, const std::string& path) {
  const std::string bare = path.substr(0, path.find('?'));
  std::string out = method + " ";
  for (std::size_t i = 0; i < bare.size();) {
    if (std::isdigit(static_cast<unsigned char>(bare[i])) && (i == 0 || bare[i - 1] == '/')) {
      while (i < bare.size() && std::isdigit(static_cast<unsigned char>(bare[i]))) ++i;
      out += "{id}";
    } else {
      out += bare[i++];
    }
  }
  return out;
}

void api_call(const std::string& endpoint, long status) { RelayMetrics::process_wide().api_call(endpoint, status); }

void api_retry(const std::string& component) { RelayMetrics::process_wide().api_retry(component); }

void answer_too_deep(const std::string& endpoint) { RelayMetrics::process_wide().answer_too_deep(endpoint); }

void answer_unexpected(const std::string& endpoint) { RelayMetrics::process_wide().answer_unexpected(endpoint); }

}  // namespace metrics
}  // namespace cf::relay
