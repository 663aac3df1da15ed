#include "daemon/admin_listing.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/clock.h"
#include "common/email.h"
#include "common/tag_prefix.h"
#include "ingest/event.h"
#include "ingest/routing.h"
#include "store/tenants.h"

namespace cf::daemon {

using nlohmann::json;

namespace {

// The statuses GET /admin/events lists for its `status` filter: ingest's unrouted statuses for
// "unrouted", every status for "all" (empty), else the one status named; nullopt for any other.
std::optional<std::vector<std::string>> listed_statuses(const std::string& filter) {
  std::vector<std::string> unrouted;
  for (const auto s : ingest::unrouted_statuses()) unrouted.emplace_back(ingest::status_name(s));
  if (filter == "unrouted") return unrouted;
  if (filter == "all") return std::vector<std::string>{};
  if (filter == ingest::status_name(ingest::RouteStatus::no_lead) ||
      filter == ingest::status_name(ingest::RouteStatus::suspended) ||
      filter == ingest::status_name(ingest::RouteStatus::erased) ||
      filter == ingest::status_name(ingest::RouteStatus::routed) ||
      std::find(unrouted.begin(), unrouted.end(), filter) != unrouted.end()) {
    return std::vector<std::string>{filter};
  }
  return std::nullopt;
}

// tenant, email and contact_id, common to the events and findings listings; the first bad one.
std::optional<ParamError> read_person(const QueryParams& params, std::string& tenant_id, std::string& email,
                                      std::optional<long long>& contact_id) {
  if (auto bad = read_tenant(params, tenant_id)) return bad;
  if (auto given = params("email")) {
    email = Email::normalize(*given);
    if (email.empty() || email.size() > 254) return ParamError{"email", "email must be an address of 1 to 254 characters"};
  }
  if (auto contact = params("contact_id")) {
    const bool digits = !contact->empty() && contact->size() <= 18 &&
                        contact->find_first_not_of("0123456789") == std::string::npos;
    if (!digits) return ParamError{"contact_id", "contact_id must be a Systeme.io contact id (a whole number)"};
    contact_id = std::stoll(*contact);
  }
  return std::nullopt;
}

std::optional<ParamError> read_time_range(const QueryParams& params, store::DeliveryFilter& filter) {
  for (const char* name : {"from", "to"}) {
    if (auto text = params(name)) {
      const auto at = parse_iso8601(*text);
      if (!at) return ParamError{name, std::string(name) + " must be an RFC 3339 time such as 2026-11-01T00:00:00Z"};
      (std::string(name) == "from" ? filter.from_micros : filter.to_micros) = *at * 1000;
    }
  }
  return std::nullopt;
}

// The delivery as parsed again from its stored body, when it is still kept and parses.
std::optional<ingest::SystemeEvent> parsed_again(const store::StoredDelivery& delivery) {
  if (!delivery.body) return std::nullopt;
  const std::string rule_mark = "rule:";
  const auto parsed = delivery.source == "rule" && delivery.event_type.rfind(rule_mark, 0) == 0
                          ? ingest::parse_rule_event(delivery.event_type.substr(rule_mark.size()), *delivery.body)
                          : ingest::parse_account_event(delivery.event_type, *delivery.body);
  if (parsed.status != ingest::ParseStatus::ok) return std::nullopt;
  return parsed.event;
}

// What decided the status: the tag the delivery carries and its prefix; without one, the only
// tenant prefix among the contact's tags (null when there are none or several).
json decided_by(const store::StoredDelivery& delivery) {
  const auto event = parsed_again(delivery);
  json out{{"tag", nullptr}, {"prefix", nullptr}};
  if (!event) return out;
  if (event->tag) {
    out["tag"] = *event->tag;
    if (const auto prefix = TagPrefix::of_tag(*event->tag)) out["prefix"] = prefix->str();
    return out;
  }
  std::set<std::string> prefixes;
  for (const auto& tag : event->contact.tags.value_or(std::vector<std::string>{})) {
    if (const auto prefix = TagPrefix::of_tag(tag)) prefixes.insert(prefix->str());
  }
  if (prefixes.size() == 1) out["prefix"] = *prefixes.begin();
  return out;
}

}  // namespace

std::optional<ParamError> read_tenant(const QueryParams& params, std::string& tenant_id) {
  if (auto tenant = params("tenant")) {
    if (!store::is_uuid(*tenant)) return ParamError{"tenant", "tenant must be a tenant id (a UUID, see `tenant list`)"};
    tenant_id = *tenant;
    std::transform(tenant_id.begin(), tenant_id.end(), tenant_id.begin(), [](unsigned char c) { return std::tolower(c); });
  }
  return std::nullopt;
}

std::variant<EventListing, ParamError> read_event_listing(const QueryParams& params) {
  EventListing listing;
  const auto statuses = listed_statuses(params("status").value_or("unrouted"));
  if (!statuses) {
    return ParamError{"status", "status must be unrouted, all, routed, no_lead or one unrouted status"};
  }
  listing.filter.statuses = *statuses;
  if (auto bad = read_person(params, listing.filter.tenant_id, listing.filter.email, listing.filter.contact_id)) return *bad;
  if (auto bad = read_time_range(params, listing.filter)) return *bad;
  std::optional<json> key;
  if (auto bad = read_page(params, {}, "ii", listing.limit, key)) return *bad;
  if (key) listing.after = store::DeliveryKey{(*key)[0].get<long long>(), (*key)[1].get<long long>()};
  return listing;
}

std::variant<FindingListing, ParamError> read_finding_listing(const QueryParams& params, PageLimits limits) {
  FindingListing listing;
  listing.filter.status = params("status").value_or("open");
  listing.filter.kind = params("kind").value_or("");
  if (auto bad = read_person(params, listing.filter.tenant_id, listing.filter.email, listing.filter.contact_id)) return *bad;
  std::optional<json> key;
  if (auto bad = read_page(params, limits, "i", listing.limit, key)) return *bad;
  if (key) listing.after = (*key)[0].get<long long>();
  return listing;
}

std::variant<ErasureListing, ParamError> read_erasure_listing(const QueryParams& params) {
  ErasureListing listing;
  listing.filter.scope = params("scope").value_or("");
  const auto& scopes = store::erasure_scopes();
  if (params("scope") && std::find(scopes.begin(), scopes.end(), listing.filter.scope) == scopes.end()) {
    return ParamError{"scope", "scope must be tenant or global"};
  }
  if (auto bad = read_tenant(params, listing.filter.tenant_id)) return *bad;
  std::optional<json> key;
  if (auto bad = read_page(params, {}, "i", listing.limit, key)) return *bad;
  if (key) listing.after = (*key)[0].get<long long>();
  return listing;
}

std::string cursor_of(const store::DeliveryKey& key) { return encode_page_cursor(json::array({key.received_micros, key.id})); }
std::string cursor_of(long long id) { return encode_page_cursor(json::array({id})); }

json to_json(const store::StoredDelivery& delivery) {
  return {{"id", delivery.id},
          {"event_type", delivery.event_type},
          {"status", delivery.status},
          {"detail", delivery.detail},
          {"contact_id", delivery.contact_id ? json(*delivery.contact_id) : json(nullptr)},
          {"email", delivery.email},
          {"received_at", delivery.received_at},
          {"tenant_id", delivery.tenant_id.empty() ? json(nullptr) : json(delivery.tenant_id)},
          {"decided_by", decided_by(delivery)}};
}

}  // namespace cf::daemon
