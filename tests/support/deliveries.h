// Building Systeme.io deliveries and bodies for tests, in the shapes shared/systeme-io.md gives.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ingest/delivery.h"
#include "tests/support/http_client.h"

namespace cf::testing {

// {"contact": {...}, "tag": {...}} for a tag event, as live deliveries nest it.
std::string tag_body(long long contact_id, const std::string& email, const std::string& tag,
                     const std::vector<std::string>& contact_tags = {});
// {"contact": {...}} for contact events.
std::string contact_body(long long contact_id, const std::string& email, const std::vector<std::string>& tags);
// A workflow webhook envelope.
std::string rule_body(long long contact_id, const std::string& email);

// A parsed account delivery as the HTTP handler would hand it over.
ingest::Delivery account_delivery(const std::string& event_type, const std::string& body,
                                  const std::string& message_id, const std::string& event_timestamp = "");
ingest::Delivery rule_delivery(const std::string& token, const std::string& kind, const std::string& body);

// hex HMAC-SHA256 of `body` under `secret`, as X-Webhook-Signature carries it.
std::string sign(const std::string& secret, const std::string& body);

// POSTs a lead capture ({"email", "name": "T", "ib_type": "forex-ib", "monthly_leads": "0-50"})
// to a running daemon's tenant API with the tenant's key.
HttpResponse post_lead_capture(const std::string& base, const std::string& api_key, const std::string& email);

// POSTs a signed account webhook to a running daemon at `base` (http://host:port), as Systeme.io
// sends it (Content-Type: application/json).
HttpResponse post_account_webhook(const std::string& base, const std::string& secret, const std::string& event_type,
                                  const std::string& body, const std::string& message_id);

}  // namespace cf::testing
