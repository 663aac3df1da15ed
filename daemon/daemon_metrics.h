// The daemon's metrics, declared here and nowhere else: webhook deliveries answered (by endpoint,
// event type and outcome) with their latency from receipt to answer, ingest batch sizes and the
// writer queue (deliveries and bytes), requests refused before they were read whole, the
// credential pre-filter's refusals and reloads, tenant API requests by rate-limit outcome, gauges
// sampled from the database (deliveries stored but not routed, outbox jobs pending and failed and
// the oldest pending, open
// findings by kind), and the process's CPU, memory and file descriptors read from /proc
// (database errors and reconnects are store/connection_metrics.h's). DaemonMetrics declares them
// on the registry it is given (a test's own); DaemonMetrics::process_wide() is the instance on
// the process-wide registry (common/metrics.h) that the daemon's components record in. Every
// function is safe from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/metrics.h"

namespace cf::daemon {

class DaemonMetrics {
 public:
  // Registers the daemon's families on `registry`, which must outlive this object. A series
  // appears when it is first recorded, or at 0 through initialize().
  explicit DaemonMetrics(prometheus::Registry& registry);
  // The instance on the process-wide registry, made at first use.
  static DaemonMetrics& process_wide();

  // One delivery answered. endpoint: account or rule; outcome: a routing status, duplicate,
  // unauthorized, unavailable, or for rule webhooks rate_limited (429) and too_large (a body over
  // 64 KiB; a body over http.max_body_bytes never reaches an endpoint: see request_refused);
  // seconds: receipt to answer.
  void delivery_answered(const std::string& endpoint, const std::string& event_type, const std::string& outcome,
                         double seconds);
  // A signed delivery stated a time past ingest.max_clock_skew_seconds after its receipt (it is
  // ordered by its receipt instead): clientflow_webhook_clock_skew_total.
  void clock_skewed();
  void batch_committed(std::size_t deliveries);
  void queue_depth(std::size_t deliveries);
  void queue_bytes(std::size_t bytes);
  // A request answered and its connection closed before it was read whole
  // (daemon/request_framing.h). reason: too_large, head_too_large, bad_request, length_required.
  void request_refused(const std::string& reason);
  // A credential no tenant holds, refused from memory (daemon/credential_filter.h); credential:
  // rule_token or api_key.
  void credential_refused(const std::string& credential);
  // The credential hashes read again; trigger: start (or reconnect), notify, miss.
  void credentials_reloaded(const std::string& trigger);
  // Creates the series of a fixed set of labels at 0 (the clock skew and statement timeout
  // counters, tenant API outcomes, refusal reasons, refused credentials, reload triggers), so
  // dashboards and alerts see them before the first event.
  void initialize();
  // One tenant API request of a known tenant. outcome: admitted, rate_limited (answered 429: over
  // its rate) or too_many_in_flight (answered 429: its cap of requests queued or running reached).
  void tenant_api_request(const std::string& outcome);
  // A tenant API request answered 503 because PostgreSQL cancelled one of its statements at the
  // tenant statement timeout: clientflow_tenant_api_statement_timeouts_total.
  void tenant_api_statement_timeout();
  // From the periodic database sample.
  void deliveries_unrouted(long long count);
  // pending: neither done nor failed (a suspended tenant's left out); failed: failed for good and
  // not discarded by an admin.
  void outbox(long long pending, long long failed, double oldest_age_seconds);
  void findings_open(const std::map<std::string, long long>& by_kind);

 private:
  prometheus::Family<prometheus::Counter>& deliveries_;
  LazySeries<prometheus::Histogram> latency_;
  LazySeries<prometheus::Counter> clock_skew_;
  LazySeries<prometheus::Histogram> batch_;
  LazySeries<prometheus::Gauge> queue_deliveries_;
  LazySeries<prometheus::Gauge> queue_bytes_;
  prometheus::Family<prometheus::Counter>& requests_refused_;
  prometheus::Family<prometheus::Counter>& credentials_refused_;
  prometheus::Family<prometheus::Counter>& credential_reloads_;
  prometheus::Family<prometheus::Counter>& tenant_api_requests_;
  LazySeries<prometheus::Counter> statement_timeouts_;
  LazySeries<prometheus::Gauge> unrouted_;
  prometheus::Family<prometheus::Gauge>& outbox_jobs_;
  LazySeries<prometheus::Gauge> outbox_oldest_;
  prometheus::Family<prometheus::Gauge>& findings_open_;
};

namespace metrics {

// The event_type label for an account webhook's X-Webhook-Event: the known types as they are,
// "none" when missing, "other" for anything else (labels stay a bounded set).
std::string event_type_label(const std::string& header);

// DaemonMetrics::process_wide().initialize(): the series with a fixed set of labels at 0. Call
// once at start-up.
void initialize();

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds, read on each scrape
// (prometheus-cpp 1.0 has no process collector): for MetricsServer to expose.
std::shared_ptr<prometheus::Collectable> process_collector();

}  // namespace metrics
}  // namespace cf::daemon
