// SystemeEvent: one Systeme.io delivery, parsed into what routing needs: the event kind, the
// contact (id, normalised email, tag names, fields) and, for tag events, the tag. Parsing never
// throws: a body it cannot use becomes a ParseOutcome of `unsupported` or `malformed` with a
// reason, so the delivery is still stored. Plain values, safe to move between threads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace cf::ingest {

enum class EventKind {
  contact_created,  // CONTACT_CREATED
  contact_opt_in,   // CONTACT_OPT_IN
  tag_added,        // CONTACT_TAG_ADDED
  tag_removed,      // CONTACT_TAG_REMOVED
  sale_new,         // SALE_NEW
  sale_canceled,    // SALE_CANCELED
  rule,             // a workflow / automation-rule webhook; its kind comes from the URL
};

// The event type as stored and shown ("CONTACT_TAG_ADDED", "rule:email-opened").
std::string event_type_name(EventKind kind, std::string_view rule_kind = {});

// The timeline entry kind a routed event leaves on a lead ("tag_added", "sale_new", the rule kind).
std::string timeline_kind(EventKind kind, std::string_view rule_kind = {});

struct Contact {
  std::optional<long long> id;            // Systeme.io contact id
  std::string email;                      // trimmed, ASCII lower-cased; may be empty
  std::optional<std::vector<std::string>> tags;  // tag names; nullopt when the body has no list
  std::map<std::string, std::string> fields;     // slug -> value as text
  std::optional<EpochMs> registered_at;          // registeredAt, when given as an ISO 8601 time
};

struct SystemeEvent {
  EventKind kind = EventKind::contact_created;
  std::string rule_kind;           // for EventKind::rule
  Contact contact;
  std::optional<std::string> tag;  // the tag added or removed (tag events)
  std::optional<EpochMs> occurred_at;  // event time as Systeme.io states it, when it does
};

enum class ParseStatus { ok, unsupported, malformed };

struct ParseOutcome {
  ParseStatus status = ParseStatus::malformed;
  SystemeEvent event;   // meaningful when status is ok
  std::string reason;   // why, when not ok
};

// What parsing allows. The daemon passes http.max_json_depth; the default is that key's default.
struct ParseOptions {
  int max_json_depth = 64;
};

// An account webhook: `event_header` is X-Webhook-Event (empty when missing), `body` the raw bytes.
ParseOutcome parse_account_event(std::string_view event_header, std::string_view body, const ParseOptions& options = {});

// A workflow / automation-rule webhook posted to .../rules/{token}/{kind}.
ParseOutcome parse_rule_event(std::string_view rule_kind, std::string_view body, const ParseOptions& options = {});

// True for a rule kind slug: [a-z0-9-]{1,40}.
bool is_rule_kind(std::string_view text);

}  // namespace cf::ingest
