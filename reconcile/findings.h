// Findings as admins see them: listing with filters, the report in text, CSV and JSON, and the
// admin actions that change a finding's status (each records who, when and a note). Uses the
// connection it is given (system role), from one thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "common/result.h"

namespace cf::reconcile {

struct Finding {
  long long id = 0;
  std::string kind, subject, status;
  nlohmann::json tenants, evidence;
  std::string fingerprint, first_seen, last_seen;
  std::string status_by, status_at, status_note;  // empty when never set
  // Stored deliveries held unrouted because of this condition (ambiguous for a shared contact,
  // foreign_prefix for a foreign tag), newest first, at most 50: see GET /admin/events.
  std::vector<long long> held_deliveries;
};

nlohmann::json to_json(const Finding& finding);

// `status`: "open" (open and acknowledged), "all", or one status; `kind`: empty for all.
// invalid_input for an unknown status or kind.
Result<std::vector<Finding>> list_findings(pqxx::connection& connection, const std::string& status,
                                           const std::string& kind);

// What a page of findings is filtered by (the values already checked).
struct FindingFilter {
  std::string status = "open";  // "open" (open and acknowledged), "all", or one status
  std::string kind;             // empty: every kind
  std::string tenant_id;        // a tenant involved; empty: any
  std::string email;            // normalised; in the evidence; empty: any
  std::optional<long long> contact_id;  // in the evidence
};

struct FindingPage {
  std::vector<Finding> items;  // newest first
  std::optional<long long> next_after;  // the cursor's id: the last one shown, when more follow
};

// One page of at most `limit` findings, newest first, with ids below `after` when given.
// invalid_input for an unknown status or kind.
Result<FindingPage> page_findings(pqxx::connection& connection, const FindingFilter& filter, int limit,
                                  std::optional<long long> after);

// The finding with this id, as the transaction sees it.
std::optional<Finding> find_finding(pqxx::transaction_base& tx, long long id);

// The checks every admin action makes on who takes it and why: `by` 1-200 bytes, `note` at most 2000.
std::optional<Error> check_action_input(const std::string& by, const std::string& note);

// acknowledge / dismiss / resolve: `action` is the verb, `by` is required. not_found for no such
// finding; invalid_input for a bad action or an empty `by`.
Result<Finding> set_finding_status(pqxx::connection& connection, long long id, const std::string& action,
                                   const std::string& by, const std::string& note);

std::string report_text(const std::vector<Finding>& findings);
// One row per finding; cells that a spreadsheet would run as formulas are neutralised.
std::string report_csv(const std::vector<Finding>& findings);
std::string report_json(const std::vector<Finding>& findings);

}  // namespace cf::reconcile
