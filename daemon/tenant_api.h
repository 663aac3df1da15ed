// TenantApi: the ClientFlow app's API, one IB at a time (Authorization: Bearer <tenant api_key>).
//   POST /v1/leads            capture a lead (201 created, 200 already this tenant's, 409 with
//                             leads.duplicate_policy: reject when another tenant has the email)
//   GET  /v1/leads            the caller's leads, newest first, with a cursor
//   GET  /v1/leads/{id}       one lead and its timeline (404 alike for absent and not yours)
//   GET  /v1/stats            counts for the caller's dashboard
// Handlers check what needs no database, then hand the request to the DbExecutor; every query
// runs bound to the caller's tenant (row-level security). Each tenant is held to
// api.requests_per_second_per_tenant (429 with Retry-After beyond it, see TenantRateLimit).
// Errors are {"error", "field"?}.
#pragma once

#include "daemon/http_server.h"

#include "common/clock.h"
#include "config/config.h"
#include "daemon/db_executor.h"
#include "daemon/tenant_rate_limit.h"

namespace cf::daemon {

class TenantApi {
 public:
  TenantApi(DuplicatePolicy duplicate_policy, DbExecutor& executor, const ApiConfig& limits = {})
      : duplicate_policy_(duplicate_policy), executor_(executor),
        rate_limit_(limits.requests_per_second_per_tenant, limits.burst_per_tenant, clock_) {}

  void register_routes(HttpServer& server);
  // From the next request on (SIGHUP).
  void set_limits(const ApiConfig& limits) {
    rate_limit_.set_rate(limits.requests_per_second_per_tenant, limits.burst_per_tenant);
  }

 private:
  DuplicatePolicy duplicate_policy_;
  DbExecutor& executor_;
  SystemClock clock_;
  TenantRateLimit rate_limit_;
};

}  // namespace cf::daemon
