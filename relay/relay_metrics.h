// The relay's metrics: calls to the Systeme.io API by endpoint (a path template such as
// "POST /contacts/{id}/tags") and status ("200", "429", "error" when nothing answered), the
// answers refused unparsed for nesting too deeply and those of an unexpected shape (by endpoint),
// and the work retried because of them (component: outbox, a lead sync rescheduled; sync, a mirror
// page fetched again). RelayMetrics declares them on the registry it is given (a test's own);
// RelayMetrics::process_wide() and the free functions below use the process-wide registry
// (common/metrics.h). Every function is safe from any thread.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

namespace cf::relay {

class RelayMetrics {
 public:
  // Registers the relay's counter families on `registry`, which must outlive this object. A
  // series appears at its first count.
  explicit RelayMetrics(prometheus::Registry& registry);
  // The instance on the process-wide registry, made at first use.
  static RelayMetrics& process_wide();

  // clientflow_systeme_api_requests_total{endpoint, status}; status 0 (no answer) counts as "error".
  void api_call(const std::string& endpoint, long status);
  // clientflow_systeme_api_retries_total{component}.
  void api_retry(const std::string& component);
  // An answer nested deeper than http.max_json_depth, left unparsed (the work it was for is
  // retried): clientflow_systeme_api_answers_too_deep_total{endpoint}.
  void answer_too_deep(const std::string& endpoint);
  // A successful answer whose shape the client did not expect (a field missing or of another
  // type), the work it was for retried: clientflow_systeme_api_answers_unexpected_total{endpoint}.
  void answer_unexpected(const std::string& endpoint);

 private:
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Counter>& too_deep_;
  prometheus::Family<prometheus::Counter>& unexpected_;
};

namespace metrics {

// "GET /contacts?email=x" -> "GET /contacts", "/contacts/123/tags" -> "/contacts/{id}/tags".
std::string endpoint_of(const std::string& method, const std::string& path);

// The same as RelayMetrics::process_wide()'s methods of the same names.
void api_call(const std::string& endpoint, long status);
void api_retry(const std::string& component);
void answer_too_deep(const std::string& endpoint);
void answer_unexpected(const std::string& endpoint);

}  // namespace metrics
}  // namespace cf::relay
