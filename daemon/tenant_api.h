// TenantApi: the ClientFlow app's API, one IB at a time (Authorization: Bearer <tenant api_key>).
//   POST /v1/leads            capture a lead (201 created, 200 already this tenant's, 409 with
//                             leads.duplicate_policy: reject when another tenant has the email)
//   GET  /v1/leads            the caller's leads, newest first, with a cursor
//   GET  /v1/leads/{id}       one lead and its timeline (404 alike for absent and not yours)
//   GET  /v1/stats            counts for the caller's dashboard
// Handlers check what needs no database, then hand the request to the DbExecutor; every query
// runs bound to the caller's tenant (row-level security). Errors are {"error", "field"?}.
#pragma once

#include "daemon/http_server.h"

#include "config/config.h"
#include "daemon/db_executor.h"

namespace cf::daemon {

class TenantApi {
 public:
  TenantApi(DuplicatePolicy duplicate_policy, DbExecutor& executor)
      : duplicate_policy_(duplicate_policy), executor_(executor) {}

  void register_routes(HttpServer& server);

 private:
  DuplicatePolicy duplicate_policy_;
  DbExecutor& executor_;
};

}  // namespace cf::daemon
