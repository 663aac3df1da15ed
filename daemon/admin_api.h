// AdminApi: what admins use to review the duplicate-lead findings, with
// Authorization: Bearer <admin.token> (a tenant key gets 401; an empty admin.token closes it).
//   GET  /admin/findings?status=&kind=&format=json|csv
//   POST /admin/findings/{id}/{action}        acknowledge | dismiss | resolve, body {"by", "note"}
//   POST /admin/findings/{id}/assign          body {"by", "note", "tenant_ids": [...]}: owners, replay
//   GET  /admin/events?status=unrouted|<status>&limit=   stored deliveries that did not route
// Database work runs on the DbExecutor, as the system role.
#pragma once

#include "config/secret.h"
#include "daemon/db_executor.h"
#include "daemon/http_server.h"

namespace cf::daemon {

class AdminApi {
 public:
  AdminApi(Secret admin_token, DbExecutor& executor) : token_(std::move(admin_token)), executor_(executor) {}
  void register_routes(HttpServer& server);

 private:
  bool authorized(const Pistache::Rest::Request& request) const;
  Secret token_;
  DbExecutor& executor_;
};

}  // namespace cf::daemon
