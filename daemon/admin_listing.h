// AdminListing: the query parameters of the paged admin listings (GET /admin/events,
// GET /admin/findings, GET /admin/erasures, the report page; GET /admin/outbox shares `tenant`)
// read into a filter, a limit and a cursor, each bad one a ParamError naming it; the cursors those
// listings hand out; and a stored delivery as JSON with what decided its status. Pure functions
// over the decoded parameters.
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
#include "store/erasure_audit.h"

namespace cf::daemon {

struct EventListing {
  store::DeliveryFilter filter;
  int limit = 50;
  std::optional<store::DeliveryKey> after;
};

struct ErasureListing {
  store::ErasureFilter filter;
  int limit = 50;
  std::optional<long long> after;
};

struct FindingListing {
  reconcile::FindingFilter filter;
  int limit = 50;
  std::optional<long long> after;
};

// tenant (a tenant id, lower-cased), common to every admin listing; nullopt when absent or good.
std::optional<ParamError> read_tenant(const QueryParams& params, std::string& tenant_id);

// status (unrouted by default; all, routed, no_lead or one unrouted status), tenant, email,
// contact_id, from/to (RFC 3339, received in [from, to)), limit (1-500, 50), cursor.
std::variant<EventListing, ParamError> read_event_listing(const QueryParams& params);
// status (open by default), kind, tenant, email, contact_id, limit (`limits`), cursor.
std::variant<FindingListing, ParamError> read_finding_listing(const QueryParams& params, PageLimits limits = {});

// scope (tenant or global; both when absent), tenant, limit (1-500, 50), cursor.
std::variant<ErasureListing, ParamError> read_erasure_listing(const QueryParams& params);

std::string cursor_of(const store::DeliveryKey& key);
// A finding's or an erasure's id as a cursor.
std::string cursor_of(long long id);

// The delivery with `decided_by`: {"tag", "prefix"} that decided its status, read from its body
// while it is kept (each null when none): the tag it carries and that tag's prefix, or without a
// tag the one tenant prefix among the contact's tags.
nlohmann::json to_json(const store::StoredDelivery& delivery);

}  // namespace cf::daemon
