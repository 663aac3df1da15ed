#include "daemon/webhook_endpoints.h"

#include "daemon/daemon_metrics.h"

#include <memory>

#include "daemon/http_reply.h"
#include "ingest/signature.h"

namespace cf::daemon {

using namespace Pistache;

namespace {

constexpr int kRetryAfterSeconds = 5;

std::string header(const Rest::Request& request, const char* name) {
  const auto raw = request.headers().tryGetRaw(name);
  return raw ? raw->value() : std::string();
}

bool is_token_shape(const std::string& token) {
  if (token.size() != 40) return false;
  for (char c : token) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

}  // namespace

WebhookEndpoints::WebhookEndpoints(WebhookSettings settings, IngestWriter& writer, CredentialFilter& credentials,
                                   const Clock& clock)
    : settings_(std::move(settings)),
      secrets_(settings_.webhook_secrets),
      writer_(writer),
      credentials_(credentials),
      clock_(clock),
      rule_rate_(settings_.rule_webhooks_per_second, settings_.rule_webhook_burst, clock) {}

void WebhookEndpoints::register_routes(HttpServer& server) {
  server.add_route("POST", "/webhooks/systeme", this, &WebhookEndpoints::account);
  // Systeme.io does not say which media type its rule webhooks declare: their bodies are judged by their bytes.
  server.add_route("POST", "/webhooks/systeme/rules/:token/:kind", this, &WebhookEndpoints::rule, RequestBody::any);
}

void WebhookEndpoints::account(const Rest::Request& request, Http::ResponseWriter response) {
  const auto context = ReplyContext::of(request);
  const Meter meter{"account", metrics::event_type_label(header(request, "X-Webhook-Event"))};
  const std::string& body = request.body();
  if (!ingest::signature_matches(header(request, "X-Webhook-Signature"), body, *secrets_.get())) {
    meter.answered("unauthorized");
    return send_json(response, context, Http::Code::Unauthorized, {{"error", "invalid signature"}});
  }
  ingest::Delivery delivery;
  delivery.source = ingest::Source::account;
  delivery.event_type = ingest::account_event_type(header(request, "X-Webhook-Event"));
  delivery.dedup_key = ingest::account_dedup_key(header(request, "X-Webhook-Message-Id"), delivery.event_type, body);
  delivery.body = body;
  delivery.received_at = clock_.now_ms();
  delivery.parsed = ingest::parse_account_event(delivery.event_type, body, settings_.parse);
  if (auto at = parse_iso8601(header(request, "X-Webhook-Event-Timestamp"))) delivery.parsed.event.occurred_at = at;
  if (ingest::stated_beyond_skew(delivery.parsed.event.occurred_at, delivery.received_at, settings_.max_clock_skew_ms)) {
    DaemonMetrics::process_wide().clock_skewed();
  }
  submit(std::move(delivery), meter, request, std::move(response));
}

void WebhookEndpoints::rule(const Rest::Request& request, Http::ResponseWriter response) {
  const auto context = ReplyContext::of(request);
  const std::string token = request.param(":token").as<std::string>();
  const std::string kind = request.param(":kind").as<std::string>();
  if (!ingest::is_rule_kind(kind)) {
    return send_json(response, context, Http::Code::Not_Found, {{"error", "not found"}});
  }
  const Meter meter{"rule", "rule"};
  if (request.body().size() > kMaxRuleBodyBytes) {
    meter.answered("too_large");
    return send_json(response, context, Http::Code::Request_Entity_Too_Large, {{"error", "body too large"}});
  }
  const auto match = is_token_shape(token) ? credentials_.rule_token(token) : CredentialFilter::Match{};
  if (match.verdict == CredentialFilter::Verdict::unknown) {
    meter.answered("unauthorized");
    return send_json(response, context, Http::Code::Unauthorized, {{"error", "unknown rule token"}});
  }
  if (match.verdict == CredentialFilter::Verdict::unavailable) {
    meter.answered("unavailable");
    return send_json(response, context, Http::Code::Service_Unavailable, {{"error", "unavailable, retry later"}},
                     kRetryAfterSeconds);
  }
  // One tenant's workflows may not take the parsing and the queue every tenant needs.
  if (const auto admitted = rule_rate_.admit(match.tenant_id); !admitted.admitted) {
    meter.answered("rate_limited");
    return send_json(response, context, Http::Code::Too_Many_Requests,
                     {{"error", "too many rule webhooks for this tenant: retry after the seconds in Retry-After"}},
                     admitted.retry_after_seconds);
  }
  ingest::Delivery delivery;
  delivery.source = ingest::Source::rule;
  delivery.event_type = "rule:" + kind;
  delivery.rule_token = token;
  delivery.body = request.body();
  delivery.received_at = clock_.now_ms();
  delivery.parsed = ingest::parse_rule_event(kind, delivery.body, settings_.parse);
  submit(std::move(delivery), meter, request, std::move(response));
}

void WebhookEndpoints::submit(ingest::Delivery delivery, const Meter& meter, const Rest::Request& request,
                              Http::ResponseWriter response) {
  const auto context = ReplyContext::of(request);
  if (!accepting_) {
    meter.answered("unavailable");
    return send_json(response, context, Http::Code::Service_Unavailable, {{"error", "shutting down"}},
                     kRetryAfterSeconds);
  }
  auto held = std::make_shared<Http::ResponseWriter>(std::move(response));
  const bool queued = writer_.submit(std::move(delivery), [held, context, meter](const std::optional<ingest::DeliveryResult>& result) {
    if (!result) {
      meter.answered("unavailable");
      return send_json(*held, context, Http::Code::Service_Unavailable, {{"error", "not stored, retry later"}},
                       kRetryAfterSeconds);
    }
    switch (result->outcome) {
      case ingest::Outcome::unauthorized:
        meter.answered("unauthorized");
        return send_json(*held, context, Http::Code::Unauthorized, {{"error", "unknown rule token"}});
      case ingest::Outcome::duplicate:
        meter.answered("duplicate");
        return send_json(*held, context, Http::Code::Ok, {{"status", "duplicate"}});
      case ingest::Outcome::stored:
        meter.answered(ingest::status_name(result->status));
        return send_json(*held, context, Http::Code::Ok, {{"status", ingest::status_name(result->status)}});
    }
  });
  if (!queued) {
    meter.answered("unavailable");
    send_json(*held, context, Http::Code::Service_Unavailable, {{"error", "unavailable, retry later"}},
              kRetryAfterSeconds);
  }
}

void WebhookEndpoints::Meter::answered(const std::string& outcome) const {
  DaemonMetrics::process_wide().delivery_answered(endpoint, event_type, outcome,
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count());
}

}  // namespace cf::daemon
