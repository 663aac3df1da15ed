#include "relay/relay_metrics.h"

#include <cctype>

#include <prometheus/counter.h>

#include "common/metrics.h"

namespace cf::relay::metrics {

namespace {
prometheus::Family<prometheus::Counter>& calls() {
  static auto& family = prometheus::BuildCounter()
                            .Name("clientflow_systeme_api_requests_total")
                            .Help("Calls to the Systeme.io API by endpoint and HTTP status (error: no answer)")
                            .Register(*metrics_registry());
  return family;
}
prometheus::Family<prometheus::Counter>& retries() {
  static auto& family = prometheus::BuildCounter()
                            .Name("clientflow_systeme_api_retries_total")
                            .Help("Work retried after a failed Systeme.io API answer (429, 5xx, none), by component")
                            .Register(*metrics_registry());
  return family;
}
prometheus::Family<prometheus::Counter>& too_deep() {
  static auto& family = prometheus::BuildCounter()
                            .Name("clientflow_systeme_api_answers_too_deep_total")
                            .Help("Systeme.io API answers nested deeper than http.max_json_depth, left unparsed, by endpoint")
                            .Register(*metrics_registry());
  return family;
}
prometheus::Family<prometheus::Counter>& unexpected() {
  static auto& family = prometheus::BuildCounter()
                            .Name("clientflow_systeme_api_answers_unexpected_total")
                            .Help("Systeme.io API answers of an unexpected shape (a field missing or of another type), "
                                  "by endpoint")
                            .Register(*metrics_registry());
  return family;
}
}  // namespace

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

void api_call(const std::string& endpoint, long status) {
  calls().Add({{"endpoint", endpoint}, {"status", status == 0 ? std::string("error") : std::to_string(status)}}).Increment();
}

void api_retry(const std::string& component) { retries().Add({{"component", component}}).Increment(); }

void answer_too_deep(const std::string& endpoint) { too_deep().Add({{"endpoint", endpoint}}).Increment(); }

void answer_unexpected(const std::string& endpoint) { unexpected().Add({{"endpoint", endpoint}}).Increment(); }

}  // namespace cf::relay::metrics
