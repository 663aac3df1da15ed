// WebhookEndpoints: the two Systeme.io receivers.
//   POST /webhooks/systeme                         account webhooks, HMAC-signed
//   POST /webhooks/systeme/rules/{token}/{kind}    workflow / automation-rule webhooks (unsigned;
//                                                  the token names and authenticates the tenant)
// Handlers are thin and check in this order: the body's size (before the handler runs, see
// daemon/request_framing.h; a rule webhook's at most kMaxRuleBodyBytes), the signature or the
// rule token (shape, then the in-memory CredentialFilter: an unknown token is 401 without a query
// or a queue slot), for a rule webhook its tenant's rate (429), then nesting depth and parsing
// (ingest::ParseOptions), and hand the delivery to the IngestWriter, which answers after its
// batch commits. Registered once on the server's router; stop_accepting() and set_*() are safe
// from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "daemon/http_server.h"

#include "common/clock.h"
#include "common/reloadable.h"
#include "config/secret.h"
#include "daemon/credential_filter.h"
#include "daemon/ingest_writer.h"
#include "daemon/tenant_rate_limit.h"

namespace cf::daemon {

// The largest rule webhook body taken (413 above it): Systeme.io's workflow envelope with a
// contact's fields is a few kilobytes, and an IB's rule URL must not fill the ingest queue.
inline constexpr std::size_t kMaxRuleBodyBytes = 64 * 1024;

struct WebhookSettings {
  std::vector<Secret> webhook_secrets;
  ingest::ParseOptions parse;  // http.max_json_depth
  EpochMs max_clock_skew_ms = 300 * 1000;  // ingest.max_clock_skew_seconds, for counting skewed events
  double rule_webhooks_per_second = 100;   // ingest.rule_webhooks_per_second_per_tenant
  double rule_webhook_burst = 1000;        // ingest.rule_webhook_burst_per_tenant
};

class WebhookEndpoints {
 public:
  WebhookEndpoints(WebhookSettings settings, IngestWriter& writer, CredentialFilter& credentials, const Clock& clock);

  void register_routes(HttpServer& server);
  // From now on every delivery is answered 503 (shutting down).
  void stop_accepting() { accepting_ = false; }
  // Signatures are checked against these from the next delivery on (SIGHUP).
  void set_secrets(std::vector<Secret> secrets) { secrets_.set(std::move(secrets)); }
  // Each tenant's rule-webhook rate, from the next delivery on (SIGHUP).
  void set_rule_rate(double per_second, double burst) { rule_rate_.set_rate(per_second, burst); }

 private:
  void account(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void rule(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  // Counts one delivery's answer in the metrics, with its latency since receipt.
  struct Meter {
    std::string endpoint;    // account or rule
    std::string event_type;  // metrics::event_type_label, or "rule"
    std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();
    void answered(const std::string& outcome) const;
  };
  void submit(ingest::Delivery delivery, const Meter& meter, const Pistache::Rest::Request& request,
              Pistache::Http::ResponseWriter response);

  WebhookSettings settings_;
  Reloadable<std::vector<Secret>> secrets_;
  IngestWriter& writer_;
  CredentialFilter& credentials_;
  const Clock& clock_;
  TenantRateLimit rule_rate_;
  std::atomic<bool> accepting_{true};
};

}  // namespace cf::daemon
