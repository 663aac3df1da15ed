// Leads as a tenant sees them through the tenant API: validated capture input, and LeadStore, whose
// every query runs in a transaction bound to the calling tenant (store/tenant_scope.h), so row-level
// security limits it to that tenant's rows on top of its own filters. Plain values; a LeadStore
// uses the connection it is given, from one thread at a time.
#pragma once

#include <optional>
#include <variant>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"

namespace cf::store {

// A capture request, checked field by field.
struct LeadInput {
  std::string email;  // trimmed, ASCII lower-cased
  std::string name;
  std::string phone;
  std::string ib_type;        // slug, e.g. forex-ib
  std::string monthly_leads;  // 0-50, 50-200, 200-500 or 500+
  std::string broker_network;
  bool update = false;  // "update": true: a lead the tenant already has takes every field given
};

// A field-level refusal: which field, and why, for {"error", "field"}.
struct FieldError {
  std::string field;  // empty when the body as a whole is at fault
  std::string message;
};

// Parses a POST /v1/leads body; the first problem found when it is not acceptable. A body nested
// deeper than `max_json_depth` (http.max_json_depth) is refused before it is parsed. An ib_type
// holding the shape of a tag prefix (TagPrefix::found_in) is refused: it would give the lead a
// Systeme.io tag that holds another tenant's tag names. `update`, when present, must be a boolean.
std::variant<LeadInput, FieldError> parse_lead_input(const std::string& body, int max_json_depth = 64);

// Parses a PATCH /v1/leads/{id} body: {"converted": true|false} and nothing else.
std::variant<bool, FieldError> parse_conversion_input(const std::string& body, int max_json_depth = 64);

struct LeadEvent {
  std::string kind;
  std::optional<std::string> tag;
  std::string occurred_at;
  std::string received_at;
  std::optional<std::string> reason;  // conversion entries: tag, sale or api
};

struct Lead {
  std::string id;
  std::string email;
  std::optional<std::string> name, phone, ib_type, monthly_leads, broker_network;
  std::vector<std::string> tags;
  bool converted = false;
  std::optional<std::string> converted_at;  // the earliest standing reason's time
  std::optional<std::string> converted_by;  // tag, sale or api: that reason
  int open_count = 0;
  std::optional<std::string> last_opened_at;
  std::optional<long long> systeme_contact_id;
  std::optional<std::string> synced_at;
  std::optional<std::string> sync_error;
  std::string created_at;
  std::optional<std::string> systeme_registered_at;  // the contact's registeredAt, when a webhook said
};

// Whether `text` has the shape of a lead id (a lower-case UUID); anything else is no lead.
bool is_lead_id(const std::string& text);

// A lead from a row of the lead queries (store/queries/leads_find_by_id.sql and its siblings).
Lead read_lead(const pqxx::row& row);

nlohmann::json to_json(const Lead& lead);
nlohmann::json to_json(const LeadEvent& event);

struct Caller {
  std::string tenant_id;
  std::string prefix;
};

enum class CaptureOutcome { created, existing, taken_elsewhere };

struct Capture {
  CaptureOutcome outcome;
  std::optional<Lead> lead;  // absent for taken_elsewhere
};

struct LeadQuery {
  int limit = 20;
  std::string cursor;                  // from a previous page's next_cursor
  std::string tag_suffix;              // leads carrying prefix + this tag
  std::optional<EpochMs> created_after, created_before;
};

struct LeadPage {
  std::vector<Lead> items;
  std::string next_cursor;  // empty on the last page
};

struct TimelinePage {
  std::vector<LeadEvent> items;         // newest received first
  std::optional<long long> next_after;  // the last entry's position in the lead's timeline, when more follow
};

struct LeadStats {
  long long total_leads = 0, this_month = 0, converted = 0, converted_this_month = 0, opened = 0;
};

// What PATCH /v1/leads/{id} {"converted": ...} did: nothing when the caller has no such lead;
// else the lead after it, and the reasons that still convert it.
struct ConversionChange {
  bool found = false;
  std::optional<Lead> lead;
  std::vector<std::string> reasons;  // tag, sale, api: those standing after the change
};

class LeadStore {
 public:
  // `erasure_key` (privacy.erasure_key) marks erased people (store/erasure.h); without it a
  // capture lifts no marks and erase() must not be called.
  explicit LeadStore(pqxx::connection& connection, Secret erasure_key = Secret())
      : connection_(connection), erasure_key_(std::move(erasure_key)) {}

  // Stores the lead for `caller` and queues its Systeme.io sync, in one transaction. An email the
  // caller already has is a re-capture (store/recapture.h): that lead takes the fields it lacks
  // (every field given with `update`), its failed sync job is requeued, and a sync is queued when
  // the plan says so. With `reject`, an email only another tenant has stores nothing. A capture (new
  // consent) lifts the caller's erasure marks of the person. Throws the database's error.
  Capture capture(const Caller& caller, const LeadInput& input, DuplicatePolicy policy);
  // invalid_input for a bad cursor.
  Result<LeadPage> list(const Caller& caller, const LeadQuery& query);
  // The caller's lead and its timeline (newest first); nullopt when the caller has no such lead.
  std::optional<std::pair<Lead, std::vector<LeadEvent>>> get(const Caller& caller, const std::string& lead_id);
  // One page of the caller's lead's whole timeline, newest received first, entries at positions
  // below `after` (1 is the lead's first entry); nullopt when the caller has no such lead.
  std::optional<TimelinePage> timeline(const Caller& caller, const std::string& lead_id, int limit,
                                       std::optional<long long> after);
  // "This month" in `time_zone`: a name PostgreSQL knows, as TimeZoneNames::find gives it.
  LeadStats stats(const Caller& caller, const std::string& time_zone = "UTC");
  // Adds (`converted`) or withdraws the API's reason for the caller's lead to be converted; the
  // lead's state, timeline and Systeme.io tag follow (sql/009_conversion.sql). Throws the
  // database's error. Defined in store/lead_conversion.cpp.
  ConversionChange set_converted(const Caller& caller, const std::string& lead_id, bool converted);
  // Erases the caller's lead (store::erase_tenant_lead) in one transaction; false when the caller
  // has no such lead (nothing changed).
  bool erase(const Caller& caller, const std::string& lead_id);

 private:
  // `lead`, which the caller already has, captured again in `tx` (store/recapture.h): the lead as it is now.
  Lead recapture(pqxx::work& tx, const Caller& caller, const Lead& lead, const LeadInput& input);

  pqxx::connection& connection_;
  Secret erasure_key_;
};

}  // namespace cf::store
