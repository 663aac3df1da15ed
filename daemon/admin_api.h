// AdminApi: what admins use to review the duplicate-lead findings, with
// Authorization: Bearer <admin.token> (a tenant key gets 401; an empty admin.token closes it).
//   GET  /admin/findings?status=&kind=&format=json|csv
//   POST /admin/findings/{id}/{action}        acknowledge | dismiss | resolve, body {"by", "note"}
//   POST /admin/findings/{id}/assign          body {"by", "note", "tenant_ids": [...]}: owners, replay
//   GET  /admin/events?status=unrouted|<status>&limit=   stored deliveries that did not route
//   GET  /admin/erasures                      the audit of erasures (who, when, counts), newest first
//   GET  /admin/outbox?state=&tenant=&cursor=&limit=   Systeme.io sync jobs with their last error
//   GET  /admin/report?status=&kind=          the report as an HTML page (or its sign-in form)
//   POST /admin/session                       sign in with the admin token (form), sets the cookie
//   POST /admin/session/end                   sign out (this browser)
//   POST /admin/session/end-all               end every browser session, on every daemon
// A browser signs in once: an HttpOnly, SameSite=Strict session cookie (admin_session.h) then
// stands in for the Bearer header, and requests that change something must also carry the
// page's CSRF token in X-CSRF-Token (the two session forms: in their `csrf` field). Every request
// is authorized before its body is looked at, and a JSON body's nesting is checked before it is
// parsed. A cookie's session generation is confirmed current in the database by every request
// that does database work, before that work. Database work runs on the admin's own DbExecutor,
// as the system role.
#pragma once

#include "common/clock.h"
#include "common/reloadable.h"
#include "config/secret.h"
#include "daemon/db_executor.h"
#include "daemon/http_reply.h"
#include "daemon/http_server.h"

namespace cf::daemon {

class AdminApi {
 public:
  // `secure_cookies`: mark the session cookie Secure (the public URL is https).
  // `max_json_depth`: http.max_json_depth, beyond which a body is refused (400) before parsing.
  // `clock`: what session cookies' lifetimes are measured by.
  AdminApi(Secret admin_token, DbExecutor& executor, bool secure_cookies, int max_json_depth,
           const Clock& clock = SystemClock::instance())
      : token_(std::move(admin_token)),
        executor_(executor),
        secure_cookies_(secure_cookies),
        max_json_depth_(max_json_depth),
        clock_(clock) {}
  void register_routes(HttpServer& server);
  // From the next request on (SIGHUP); sessions signed with the old token end.
  void set_token(Secret admin_token) { token_.set(std::move(admin_token)); }

 private:
  // The routes, in the order of the list above.
  void findings(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void finding_action(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void events(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void erasures(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void outbox_jobs(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);  // admin_outbox.cpp
  void report(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void sign_in(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void sign_out(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void end_all_sessions(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  // The assign action of finding_action, once the id, `by` and `note` are checked: `body` must
  // also name the owners.
  void assign(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response, long long id,
              const std::string& by, const std::string& note, const nlohmann::json& body);

  // The Bearer token, or a valid session cookie (plus the CSRF token when `changes_state`).
  bool authorized(const Pistache::Rest::Request& request, bool changes_state) const;
  std::string session_cookie(const Pistache::Rest::Request& request) const;  // empty when none
  // Like authorized(request, true), the CSRF token also taken from a form's `csrf` field.
  bool may_change_session(const Pistache::Rest::Request& request) const;
  // Runs `work` on the executor for an authorized request; with a session cookie (no Bearer
  // token), only once its generation is confirmed current, else 401 (the sign-in page when `page`).
  void answer_as_admin(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                       DatabaseWork work, bool page = false);
  // False, after answering 400, when the body nests deeper than max_json_depth_ (checked
  // without parsing, after authorization and before any parse).
  bool shallow_enough(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter& response) const;

  Reloadable<Secret> token_;
  DbExecutor& executor_;
  bool secure_cookies_;
  int max_json_depth_;
  const Clock& clock_;
};

}  // namespace cf::daemon
