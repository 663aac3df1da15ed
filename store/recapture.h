// Re-capture: what POST /v1/leads does to a lead its tenant already has. The capture's fields fill
// the ones the lead lacks (or, with "update": true, replace every one it gives), and a Systeme.io
// sync is needed when the lead was never synced, when it lacks a tag the capture gives, or when a
// field Systeme.io holds (name, phone) changed. Pure functions on plain values.
#pragma once

#include <string>
#include <vector>

#include "store/leads.h"

namespace cf::store {

// The tags a capture gives a lead at Systeme.io: P+demo-request, P+ib_type, and P+high-volume for 500+.
std::vector<std::string> capture_tags(const std::string& prefix, const std::string& ib_type,
                                      const std::string& monthly_leads);

struct RecapturePlan {
  Lead lead;                    // the lead with the capture applied
  bool fields_changed = false;  // some field differs from the stored lead: write it
  bool sync_needed = false;     // queue a sync (unless one is already waiting)
};

// The capture `input` applied to `lead`, a lead of the tenant whose prefix is `prefix`.
RecapturePlan plan_recapture(const Lead& lead, const LeadInput& input, const std::string& prefix);

}  // namespace cf::store
