// LeadStore::set_converted: the API's reason for a lead to be converted. The lead's state, its
// timeline entries and the sync of <prefix>converted follow from the triggers of
// sql/009_conversion.sql, which every writer of leads shares.

#include "common/json_depth.h"
#include "store/leads.h"
#include "store/queries.h"
#include "store/statements.h"
#include "store/tenant_scope.h"

namespace cf::store {

std::variant<bool, FieldError> parse_conversion_input(const std::string& body, int max_json_depth) {
  if (!json_depth_within(body, max_json_depth)) return FieldError{"", too_deep_message(max_json_depth)};
  const auto root = nlohmann::json::parse(body, nullptr, false);
  if (root.is_discarded() || !root.is_object()) return FieldError{"", "body must be a JSON object"};
  for (const auto& [key, value] : root.items()) {
    if (key != "converted") return FieldError{key, "unknown field"};
  }
  if (!root.contains("converted")) return FieldError{"converted", "converted is required"};
  if (!root["converted"].is_boolean()) return FieldError{"converted", "converted must be true or false"};
  return root["converted"].get<bool>();
}

ConversionChange LeadStore::set_converted(const Caller& caller, const std::string& lead_id, bool converted) {
  ConversionChange change;
  if (!is_lead_id(lead_id)) return change;
  pqxx::work tx(connection_);
  bind_to_tenant(tx, caller.tenant_id);
  const auto updated = exec_statement(tx, sql::leads_set_converted, lead_id, converted);
  if (updated.empty()) return change;
  change.found = true;
  change.reasons = nlohmann::json::parse(updated[0][0].c_str()).get<std::vector<std::string>>();
  change.lead = read_lead(exec_statement1(tx, sql::leads_find_by_id, lead_id));
  tx.commit();
  return change;
}

}  // namespace cf::store
