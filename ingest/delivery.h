// Delivery: one webhook request that passed the transport's checks (size, signature or token
// shape), with its event already parsed, on its way to being stored. DeliveryResult: what the
// sender is told. Plain values, moved from the HTTP thread to a writer thread.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "ingest/event.h"
#include "ingest/routing.h"

namespace cf::ingest {

enum class Source { account, rule };

struct Delivery {
  Source source = Source::account;
  std::string dedup_key;     // account: X-Webhook-Message-Id, else "sha256:" of type and body
  std::string event_type;    // account_event_type(X-Webhook-Event), or "rule:<kind>"
  std::string rule_token;    // rule webhooks: the token from the URL (checked by the store)
  std::string body;          // raw bytes as received
  EpochMs received_at = 0;
  ParseOutcome parsed;       // occurred_at already set from X-Webhook-Event-Timestamp
};

// "sha256:<hex>" of the event type and body: the dedup key of a delivery with no message id.
std::string content_dedup_key(const std::string& event_type, const std::string& body);

// The dedup key of an account webhook: "msg:<X-Webhook-Message-Id>" when the id is 1..200
// printable ASCII characters, "msgsha256:<hex>" of any other id, content_dedup_key() without one.
std::string account_dedup_key(const std::string& message_id, const std::string& event_type, const std::string& body);

// The event type stored for an account webhook: X-Webhook-Event as sent when it is 1..100
// printable UTF-8 characters, else "unreadable:<hex>" of its SHA-256 (the column takes only
// UTF-8, and a delivery that cannot be stored would be retried by its sender for ever).
std::string account_event_type(const std::string& header);

// The time routing orders a delivery by (tag clocks, mirror snapshots, its timeline entry). A
// signed event's stated time (X-Webhook-Event-Timestamp) is believed up to `max_skew_ms` past its
// receipt; beyond that, or when it states none, its receipt is used. A rule webhook is always
// ordered by its receipt: its body's created_at may be the contact's own time, and nothing signs it.
EpochMs ordered_at(Source source, std::optional<EpochMs> stated, EpochMs received_at, EpochMs max_skew_ms);

// True when a signed delivery states a time more than `max_skew_ms` past its receipt.
bool stated_beyond_skew(std::optional<EpochMs> stated, EpochMs received_at, EpochMs max_skew_ms);

enum class Outcome {
  stored,        // a new delivery, committed with its effects; `status` says how it routed
  duplicate,     // seen before (same message id, or same rule body within 10 minutes)
  unauthorized,  // a rule token no tenant holds: nothing stored
};

struct DeliveryResult {
  Outcome outcome = Outcome::stored;
  RouteStatus status = RouteStatus::malformed;
  std::string tenant_id;
};

}  // namespace cf::ingest
