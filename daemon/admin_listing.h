// AdminListing: the query parameters of the paged admin listings (GET /admin/events,
// GET /admin/findings, the report page) read into a filter, a limit and a cursor, each bad one a
// ParamError naming it; the cursors those listings hand out; and a stored delivery as JSON with
// what decided its status. Pure functions over the decoded parameters.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "common/page_cursor.h"
#include "daemon/query_params.h"
#include "reconcile/findings.h"
#include "store/admin_review.h"

namespace cf::daemon {

struct EventListing {
  store::DeliveryFilter filter;
  int limit = 50;
  std::optional<store::DeliveryKey> after;
};

struct FindingListing {
  reconcile::FindingFilter filter;
  int limit = 50;
  std::optional<long long> after;
};

// status (unrouted by default; all, routed, no_lead or one unrouted status), tenant, email,
// contact_id, from/to (RFC 3339, received in [from, to)), limit (1-500, 50), cursor.
std::variant<EventListing, ParamError> read_event_listing(const QueryParams& params);
// status (open by default), kind, tenant, email, contact_id, limit (`limits`), cursor.
std::variant<FindingListing, ParamError> read_finding_listing(const QueryParams& params, PageLimits limits = {});

std::string cursor_of(const store::DeliveryKey& key);
std::string cursor_of(long long finding_id);

// The delivery with `decided_by`: {"tag", "prefix"} that decided its status, read from its body
// while it is kept (each null when none): the tag it carries and that tag's prefix, or without a
// tag the one tenant prefix among the contact's tags.
nlohmann::json to_json(const store::StoredDelivery& delivery);

}  // namespace cf::daemon
