// The relay's metrics: calls to the Systeme.io API by endpoint (a path template such as
// "POST /contacts/{id}/tags") and status ("200", "429", "error" when nothing answered), the
// answers refused unparsed for nesting too deeply and those of an unexpected shape (by endpoint),
// and the work retried because of them (component: outbox, a lead sync rescheduled; sync, a mirror
// page fetched again). Counters in the process-wide registry (common/metrics.h).
#pragma once

#include <string>

namespace cf::relay::metrics {

// "GET /contacts?email=x" -> "GET /contacts", "/contacts/123/tags" -> "/contacts/{id}/tags".
std::string endpoint_of(const std::string& method, const std::string& path);

void api_call(const std::string& endpoint, long status);
void api_retry(const std::string& component);
// An answer nested deeper than http.max_json_depth, left unparsed (the work it was for is retried).
void answer_too_deep(const std::string& endpoint);
// A successful answer whose shape the client did not expect (a field missing or of another type):
// the work it was for is retried.
void answer_unexpected(const std::string& endpoint);

}  // namespace cf::relay::metrics
