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
};

// A field-level refusal: which field, and why, for {"error", "field"}.
struct FieldError {
  std::string field;  // empty when the body as a whole is at fault
  std::string message;
};

// Parses a POST /v1/leads body; the first problem found when it is not acceptable. A body nested
// deeper than `max_json_depth` (http.max_json_depth) is refused before it is parsed. An ib_type
// holding the shape of a tag prefix (TagPrefix::found_in) is refused: it would give the lead a
// Systeme.io tag that holds another tenant's tag names.
std::variant<LeadInput, FieldError> parse_lead_input(const std::string& body, int max_json_depth = 64);

struct LeadEvent {
  std::string kind;
  std::optional<std::string> tag;
  std::string occurred_at;
  std::string received_at;
};

struct Lead {
  std::string id;
  std::string email;
  std::optional<std::string> name, phone, ib_type, monthly_leads, broker_network;
  std::vector<std::string> tags;
  bool converted = false;
  int open_count = 0;
  std::optional<std::string> last_opened_at;
  std::optional<long long> systeme_contact_id;
  std::optional<std::string> synced_at;
  std::optional<std::string> sync_error;
  std::string created_at;
};

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
  std::optional<long long> next_after;  // the last entry's id, when more follow
};

struct LeadStats {
  long long total_leads = 0, this_month = 0, converted = 0, opened = 0;
};

class LeadStore {
 public:
  explicit LeadStore(pqxx::connection& connection) : connection_(connection) {}

  // Stores the lead for `caller` and queues its Systeme.io sync, in one transaction; an email the
  // caller already has returns that lead unchanged; with `reject`, an email another tenant has
  // stores nothing. Throws the database's error.
  Capture capture(const Caller& caller, const LeadInput& input, DuplicatePolicy policy);
  // invalid_input for a bad cursor.
  Result<LeadPage> list(const Caller& caller, const LeadQuery& query);
  // The caller's lead and its timeline (newest first); nullopt when the caller has no such lead.
  std::optional<std::pair<Lead, std::vector<LeadEvent>>> get(const Caller& caller, const std::string& lead_id);
  // One page of the caller's lead's whole timeline, newest received first, entries with ids below
  // `after`; nullopt when the caller has no such lead.
  std::optional<TimelinePage> timeline(const Caller& caller, const std::string& lead_id, int limit,
                                       std::optional<long long> after);
  LeadStats stats(const Caller& caller);

 private:
  pqxx::connection& connection_;
};

}  // namespace cf::store
