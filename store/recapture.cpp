#include "store/recapture.h"

#include <algorithm>

namespace cf::store {

std::vector<std::string> capture_tags(const std::string& prefix, const std::string& ib_type,
                                      const std::string& monthly_leads) {
  std::vector<std::string> tags{prefix + "demo-request"};
  if (!ib_type.empty()) tags.push_back(prefix + ib_type);
  if (monthly_leads == "500+") tags.push_back(prefix + "high-volume");
  return tags;
}

namespace {

// Applies one captured value (empty: not given) to a field of the lead; true when it changed.
bool apply(std::optional<std::string>& field, const std::string& given, bool update) {
  if (given.empty() || field == given) return false;
  if (field && !field->empty() && !update) return false;
  field = given;
  return true;
}

}  // namespace

RecapturePlan plan_recapture(const Lead& lead, const LeadInput& input, const std::string& prefix) {
  RecapturePlan plan{lead};
  Lead& next = plan.lead;
  const bool name = apply(next.name, input.name, input.update);
  const bool phone = apply(next.phone, input.phone, input.update);
  const bool ib_type = apply(next.ib_type, input.ib_type, input.update);
  const bool volume = apply(next.monthly_leads, input.monthly_leads, input.update);
  const bool network = apply(next.broker_network, input.broker_network, input.update);
  plan.fields_changed = name || phone || ib_type || volume || network;
  const auto wanted = capture_tags(prefix, next.ib_type.value_or(""), next.monthly_leads.value_or(""));
  const bool tags_change = std::any_of(wanted.begin(), wanted.end(), [&](const std::string& tag) {
    return std::find(lead.tags.begin(), lead.tags.end(), tag) == lead.tags.end();
  });
  plan.sync_needed = !lead.synced_at || tags_change || name || phone;
  return plan;
}

}  // namespace cf::store
