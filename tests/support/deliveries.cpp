#include "tests/support/deliveries.h"

#include <nlohmann/json.hpp>

#include "common/crypto.h"

namespace cf::testing {

using nlohmann::json;

namespace {
json contact_json(long long contact_id, const std::string& email, const std::vector<std::string>& tags) {
  json tag_list = json::array();
  int id = 1;
  for (const auto& tag : tags) tag_list.push_back({{"id", id++}, {"name", tag}});
  return {{"id", contact_id}, {"email", email}, {"locale", "en"}, {"fields", json::array()}, {"tags", tag_list}};
}
}  // namespace

std::string tag_body(long long contact_id, const std::string& email, const std::string& tag,
                     const std::vector<std::string>& contact_tags) {
  return json{{"contact", contact_json(contact_id, email, contact_tags)}, {"tag", {{"id", 77}, {"name", tag}}}}.dump();
}

std::string contact_body(long long contact_id, const std::string& email, const std::vector<std::string>& tags) {
  return json{{"contact", contact_json(contact_id, email, tags)}}.dump();
}

std::string rule_body(long long contact_id, const std::string& email) {
  return json{{"type", "contact.optin.completed"},
              {"data", {{"contact", {{"id", contact_id}, {"email", email}, {"fields", json::array()}}}}},
              {"created_at", "2026-09-27T19:57:41+00:00"}}
      .dump();
}

ingest::Delivery account_delivery(const std::string& event_type, const std::string& body,
                                  const std::string& message_id, const std::string& event_timestamp) {
  ingest::Delivery d;
  d.source = ingest::Source::account;
  d.event_type = event_type;
  d.dedup_key = ingest::account_dedup_key(message_id, event_type, body);
  d.body = body;
  d.received_at = SystemClock().now_ms();
  d.parsed = ingest::parse_account_event(event_type, body);
  if (auto at = parse_iso8601(event_timestamp)) d.parsed.event.occurred_at = at;
  return d;
}

ingest::Delivery rule_delivery(const std::string& token, const std::string& kind, const std::string& body) {
  ingest::Delivery d;
  d.source = ingest::Source::rule;
  d.event_type = "rule:" + kind;
  d.rule_token = token;
  d.body = body;
  d.received_at = SystemClock().now_ms();
  d.parsed = ingest::parse_rule_event(kind, body);
  return d;
}

std::string sign(const std::string& secret, const std::string& body) {
  return crypto::to_hex(crypto::hmac_sha256(secret, body));
}

HttpResponse post_lead_capture(const std::string& base, const std::string& api_key, const std::string& email) {
  return api_request("POST", base + "/v1/leads", api_key,
                     nlohmann::json{{"email", email}, {"name", "T"}, {"ib_type", "forex-ib"}, {"monthly_leads", "0-50"}}.dump());
}

HttpResponse post_account_webhook(const std::string& base, const std::string& secret, const std::string& event_type,
                                  const std::string& body, const std::string& message_id) {
  return http_request("POST", base + "/webhooks/systeme", body,
                      {{"Content-Type", "application/json"}, {"X-Webhook-Event", event_type},
                       {"X-Webhook-Signature", sign(secret, body)},
                       {"X-Webhook-Message-Id", message_id}});
}

}  // namespace cf::testing
