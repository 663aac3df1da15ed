// TenantApi: the ClientFlow app's API, one IB at a time (Authorization: Bearer <tenant api_key>).
//   POST /v1/leads            capture a lead (201 created, 200 already this tenant's, 409 with
//                             leads.duplicate_policy: reject when another tenant has the email)
//   GET  /v1/leads            the caller's leads, newest first, with a cursor
//   GET  /v1/leads/{id}       one lead and its newest 200 timeline entries (404 alike for absent
//                             and not yours)
//   GET  /v1/leads/{id}/events  the lead's whole timeline, a page at a time (limit, cursor)
//   PATCH /v1/leads/{id}      {"converted": true|false}: the API's reason to call it converted
//                             (409 when false leaves a tag or sale converting it)
//   DELETE /v1/leads/{id}     erase the lead (204; 404 alike; 503 without privacy.erasure_key),
//                             see store/erasure.h
//   GET  /v1/stats            counts for the caller's dashboard (?tz=<IANA zone> for "this month")
// Each request is checked in this order: size (before the handler, daemon/request_framing.h),
// the API key against the in-memory CredentialFilter (401 without a query when no tenant holds
// it; 403 {"error":"tenant suspended"} when its tenant is suspended), the tenant's rate limit (api.requests_per_second_per_tenant: 429 with Retry-After, see
// TenantRateLimit), the tenant's requests in flight (at most kMaxRequestsInFlightPerTenant queued
// or running at once: 429 with Retry-After, see TenantInFlight), nesting depth
// (http.max_json_depth, 400) and the body's fields (400), all without the database; then the
// DbExecutor, in the tenant's own lane (tenants take turns), confirms the key and does the work, every query bound to the caller's tenant (row-level security) and each statement cut at the
// tenant statement timeout (store/tenant_scope.h: 503 with Retry-After). Errors are
// {"error", "field"?}.
#pragma once

#include "daemon/http_server.h"

#include "common/clock.h"
#include "config/config.h"
#include "daemon/credential_filter.h"
#include "daemon/db_executor.h"
#include "daemon/tenant_in_flight.h"
#include "daemon/tenant_rate_limit.h"
#include "store/time_zones.h"

namespace cf::daemon {

// How many of one tenant's requests may be queued or running on the database at once. With the
// tenants taking turns on the executor, another tenant's request waits for at most one of them.
inline constexpr int kMaxRequestsInFlightPerTenant = 4;

class TenantApi {
 public:
  // `erasure_key`: privacy.erasure_key (empty: DELETE answers 503 and captures lift no marks).
  TenantApi(DuplicatePolicy duplicate_policy, int max_json_depth, CredentialFilter& credentials, DbExecutor& executor,
            const ApiConfig& limits = {}, Secret erasure_key = Secret())
      : duplicate_policy_(duplicate_policy), max_json_depth_(max_json_depth), erasure_key_(std::move(erasure_key)),
        credentials_(credentials), executor_(executor),
        rate_limit_(limits.requests_per_second_per_tenant, limits.burst_per_tenant, clock_),
        in_flight_(kMaxRequestsInFlightPerTenant) {}

  void register_routes(HttpServer& server);
  // From the next request on (SIGHUP).
  void set_limits(const ApiConfig& limits) {
    rate_limit_.set_rate(limits.requests_per_second_per_tenant, limits.burst_per_tenant);
  }
  // The zone names GET /v1/stats?tz= is checked against, to load at start.
  store::TimeZoneCatalog& time_zones() { return *time_zones_; }

 private:
  // The routes, in the order of the list above.
  void capture_lead(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void list_leads(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void show_lead(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void convert_lead(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void erase_lead(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void lead_timeline(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void stats(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);

  DuplicatePolicy duplicate_policy_;
  int max_json_depth_;
  Secret erasure_key_;
  CredentialFilter& credentials_;
  DbExecutor& executor_;
  SystemClock clock_;
  TenantRateLimit rate_limit_;
  TenantInFlight in_flight_;
  // Shared with the database work of requests, which may outlive this object at shutdown.
  std::shared_ptr<store::TimeZoneCatalog> time_zones_ = std::make_shared<store::TimeZoneCatalog>();
};

}  // namespace cf::daemon
