#include "daemon/admin_api.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "common/crypto.h"
#include "common/json_depth.h"
#include "common/log.h"
#include "common/text.h"
#include "daemon/admin_browser.h"
#include "daemon/admin_page.h"
#include "daemon/admin_session.h"
#include "daemon/http_reply.h"
#include "ingest/routing.h"
#include "reconcile/assign.h"
#include "reconcile/findings.h"
#include "store/admin_review.h"
#include "store/erasure.h"
#include "store/admin_sessions.h"
#include "store/outbox_admin.h"

namespace cf::daemon {

using namespace Pistache;
using nlohmann::json;

namespace {

std::string query_param(const Rest::Request& request, const char* name, const std::string& fallback = {}) {
  const auto raw = request.query().get(name);
  return raw ? url_decode(*raw) : fallback;
}

std::int64_t unix_seconds(const Clock& clock) { return clock.now_ms() / 1000; }

Http::Code code_of(const Error& error) {
  switch (error.kind) {
    case ErrorKind::not_found: return Http::Code::Not_Found;
    case ErrorKind::invalid_input: return Http::Code::Bad_Request;
    default: return Http::Code::Internal_Server_Error;
  }
}

void refuse(const Rest::Request& request, Http::ResponseWriter& response) {
  send_error(response, ReplyContext::of(request), Http::Code::Unauthorized, "missing or invalid admin token");
}

// A finding id from the path: the whole of `text` read as a number; nullopt otherwise.
std::optional<long long> finding_id(const std::string& text) {
  try {
    std::size_t used = 0;
    const long long id = std::stoll(text, &used);
    if (used == text.size()) return id;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// The statuses GET /admin/events lists for its `status` filter: ingest's unrouted statuses for
// "unrouted", else the one status named (no_lead or an unrouted one); empty for any other filter.
std::vector<std::string> listed_statuses(const std::string& filter) {
  std::vector<std::string> unrouted;
  for (const auto s : ingest::unrouted_statuses()) unrouted.emplace_back(ingest::status_name(s));
  if (filter == "unrouted") return unrouted;
  if (filter == ingest::status_name(ingest::RouteStatus::no_lead) ||
      std::find(unrouted.begin(), unrouted.end(), filter) != unrouted.end()) {
    return {filter};
  }
  return {};
}

json to_json(const store::StoredDelivery& delivery) {
  return {{"id", delivery.id},
          {"event_type", delivery.event_type},
          {"status", delivery.status},
          {"detail", delivery.detail},
          {"contact_id", delivery.contact_id ? json(*delivery.contact_id) : json(nullptr)},
          {"email", delivery.email},
          {"received_at", delivery.received_at}};
}

}  // namespace

bool AdminApi::authorized(const Rest::Request& request, bool changes_state) const {
  const auto token = token_.get();
  if (token->empty()) return false;
  const std::string presented = bearer_token(request);
  if (!presented.empty()) return crypto::constant_time_equals(crypto::sha256(presented), crypto::sha256(token->reveal()));
  const std::string cookie = session_cookie(request);
  if (cookie.empty()) return false;
  if (!changes_state) return true;
  const auto csrf = request.headers().tryGetRaw("X-CSRF-Token");
  return csrf && crypto::constant_time_equals(csrf->value(), admin_session::csrf_token(cookie, token->reveal()));
}

std::string AdminApi::session_cookie(const Rest::Request& request) const {
  if (!request.cookies().has(admin_session::kCookieName)) return {};
  const std::string cookie = request.cookies().get(admin_session::kCookieName).value;
  return admin_session::generation_of(cookie, token_.get()->reveal(), unix_seconds(clock_)) ? cookie : std::string();
}

bool AdminApi::shallow_enough(const Rest::Request& request, Http::ResponseWriter& response) const {
  if (json_depth_within(request.body(), max_json_depth_)) return true;
  send_json(response, ReplyContext::of(request), Http::Code::Bad_Request, {{"error", too_deep_message(max_json_depth_)}});
  return false;
}

void AdminApi::register_routes(HttpServer& server) {
  server.add_route("GET", "/admin/findings", this, &AdminApi::findings);
  server.add_route("POST", "/admin/findings/:id/:action", this, &AdminApi::finding_action);
  server.add_route("GET", "/admin/events", this, &AdminApi::events);
  server.add_route("GET", "/admin/erasures", this, &AdminApi::erasures);
  server.add_route("GET", "/admin/outbox", this, &AdminApi::outbox_jobs);
  server.add_route("GET", "/admin/report", this, &AdminApi::report);
  server.add_route("POST", "/admin/session", this, &AdminApi::sign_in, RequestBody::form);
  server.add_route("POST", "/admin/session/end", this, &AdminApi::sign_out, RequestBody::form);
  server.add_route("POST", "/admin/session/end-all", this, &AdminApi::end_all_sessions, RequestBody::form);
}

void AdminApi::findings(const Rest::Request& request, Http::ResponseWriter response) {
  if (!authorized(request, false)) return refuse(request, response);
  const std::string status = query_param(request, "status", "open");
  const std::string kind = query_param(request, "kind");
  const std::string format = query_param(request, "format", "json");
  if (format != "json" && format != "csv") {
    return send_json(response, ReplyContext::of(request), Http::Code::Bad_Request,
                     {{"error", "format must be json or csv"}, {"field", "format"}});
  }
  answer_as_admin(request, std::move(response),
                  [status, kind, format](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                    auto findings = reconcile::list_findings(c, status, kind);
                    if (!findings) return send_json(r, ctx, Http::Code::Bad_Request, {{"error", findings.error().message}});
                    if (format == "csv") return send_text(r, ctx, Http::Code::Ok, reconcile::report_csv(*findings), "text/csv");
                    send_text(r, ctx, Http::Code::Ok, reconcile::report_json(*findings), "application/json");
                  });
}

void AdminApi::finding_action(const Rest::Request& request, Http::ResponseWriter response) {
  if (!authorized(request, true)) return refuse(request, response);
  if (!shallow_enough(request, response)) return;
  const auto id = finding_id(request.param(":id").as<std::string>());
  const std::string action = request.param(":action").as<std::string>();
  const auto body = json::parse(request.body(), nullptr, false);
  const auto context = ReplyContext::of(request);
  if (!id) return send_json(response, context, Http::Code::Not_Found, {{"error", "finding not found"}});
  if (!body.is_object() || !body.contains("by") || !body["by"].is_string() ||
      (body.contains("note") && !body["note"].is_string())) {
    return send_json(response, context, Http::Code::Bad_Request,
                     {{"error", "body must be {\"by\": \"<who>\", \"note\": \"<why>\"}"}, {"field", "by"}});
  }
  const std::string by = std::string(trim(body["by"].get<std::string>()));
  const std::string note = body.value("note", "");
  if (action == "assign") return assign(request, std::move(response), *id, by, note, body);
  answer_as_admin(request, std::move(response),
                  [id = *id, action, by, note](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                    auto changed = reconcile::set_finding_status(c, id, action, by, note);
                    if (!changed) return send_json(r, ctx, code_of(changed.error()), {{"error", changed.error().message}});
                    send_json(r, ctx, Http::Code::Ok, reconcile::to_json(*changed));
                  });
}

void AdminApi::assign(const Rest::Request& request, Http::ResponseWriter response, long long id, const std::string& by,
                      const std::string& note, const json& body) {
  const auto tenants = body.find("tenant_ids");
  const bool strings = tenants != body.end() && tenants->is_array() &&
                       std::all_of(tenants->begin(), tenants->end(), [](const json& t) { return t.is_string(); });
  if (!strings) {
    return send_json(response, ReplyContext::of(request), Http::Code::Bad_Request,
                     {{"error", "body must be {\"by\", \"note\", \"tenant_ids\": [\"<tenant id>\", ...]}"},
                      {"field", "tenant_ids"}});
  }
  answer_as_admin(request, std::move(response),
                  [id, by, note, tenant_ids = tenants->get<std::vector<std::string>>()](
                      pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                    auto assigned = reconcile::assign_finding(c, id, by, note, tenant_ids);
                    if (!assigned) return send_json(r, ctx, code_of(assigned.error()), {{"error", assigned.error().message}});
                    json replayed = json::array();
                    for (const auto& change : assigned->replay.changes) {
                      replayed.push_back({{"id", change.id}, {"from", change.from}, {"to", change.to},
                                          {"tenant_id", change.tenant_id.empty() ? json(nullptr) : json(change.tenant_id)}});
                    }
                    send_json(r, ctx, Http::Code::Ok,
                              {{"finding", reconcile::to_json(assigned->finding)},
                               {"replayed", {{"examined", assigned->replay.examined}, {"changed", replayed}}}});
                  });
}

void AdminApi::events(const Rest::Request& request, Http::ResponseWriter response) {
  constexpr int kMaxListed = 500;
  if (!authorized(request, false)) return refuse(request, response);
  const auto statuses = listed_statuses(query_param(request, "status", "unrouted"));
  if (statuses.empty()) {
    return send_json(response, ReplyContext::of(request), Http::Code::Bad_Request,
                     {{"error", "status must be unrouted, no_lead or one unrouted status"}, {"field", "status"}});
  }
  answer_as_admin(request, std::move(response),
                  [statuses](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                    json items = json::array();
                    for (const auto& delivery : store::AdminReview(c).deliveries_with_status(statuses, kMaxListed)) {
                      items.push_back(to_json(delivery));
                    }
                    send_json(r, ctx, Http::Code::Ok, {{"items", items}});
                  });
}

void AdminApi::erasures(const Rest::Request& request, Http::ResponseWriter response) {
  constexpr int kMaxListed = 500;
  if (!authorized(request, false)) return refuse(request, response);
  answer_as_admin(request, std::move(response), [](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
    pqxx::read_transaction tx(c);
    json items = json::array();
    for (const auto& erasure : store::list_erasures(tx, kMaxListed)) items.push_back(store::to_json(erasure));
    send_json(r, ctx, Http::Code::Ok, {{"items", items}});
  });
}

namespace {

// The tenants that own the given findings' contacts (their page labels them).
std::vector<std::string> owner_ids(const std::vector<reconcile::Finding>& findings) {
  std::vector<std::string> ids;
  for (const auto& f : findings) {
    for (const auto& owner : f.tenants) {
      if (const auto id = owner.find("tenant_id"); id != owner.end() && id->is_string()) ids.push_back(id->get<std::string>());
    }
  }
  return ids;
}

}  // namespace

void AdminApi::report(const Rest::Request& request, Http::ResponseWriter response) {
  const auto context = ReplyContext::of(request);
  const std::string nonce = new_nonce();
  if (!authorized(request, false)) {
    return send_page(response, context, Http::Code::Unauthorized, render_sign_in("", nonce), nonce);
  }
  const std::string cookie = session_cookie(request);
  ReportView view;
  view.status_filter = query_param(request, "status", "open");
  view.kind_filter = query_param(request, "kind");
  view.nonce = nonce;
  // A Bearer-only visitor has no cookie; its actions would use the header instead.
  view.csrf_token = cookie.empty() ? std::string() : admin_session::csrf_token(cookie, token_.get()->reveal());
  answer_as_admin(request, std::move(response),
                  [view = std::move(view)](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) mutable {
                    auto findings = reconcile::list_findings(c, view.status_filter, view.kind_filter);
                    if (!findings) {
                      return send_page(r, ctx, Http::Code::Bad_Request,
                                       "<!DOCTYPE html><p>" + html_escape(findings.error().message) + "</p>\n", view.nonce);
                    }
                    view.findings = std::move(*findings);
                    store::AdminReview review(c);
                    view.counts = review.finding_counts();
                    view.tenants = review.tenant_labels(owner_ids(view.findings));
                    view.outbox_failed = store::count_failed_outbox_jobs(c);
                    send_page(r, ctx, Http::Code::Ok, render_report(view), view.nonce);
                  }, true);
}

void AdminApi::sign_in(const Rest::Request& request, Http::ResponseWriter response) {
  const std::string presented = form_field(request.body(), "token");
  const auto token = token_.get();
  const bool good = !token->empty() && !presented.empty() &&
                    crypto::constant_time_equals(crypto::sha256(presented), crypto::sha256(token->reveal()));
  if (!good) {
    const std::string nonce = new_nonce();
    return send_page(response, ReplyContext::of(request), Http::Code::Unauthorized,
                     render_sign_in("That admin token is not valid.", nonce), nonce);
  }
  // The cookie names the current session generation, read where the database work is done.
  answer_from_database(executor_, request, std::move(response),
                       [token = token->reveal(), secure = secure_cookies_, &clock = clock_](pqxx::connection& c, Http::ResponseWriter& r,
                                                                            const ReplyContext& ctx) {
                         const long long generation = store::AdminSessions(c).current();
                         set_session_cookie(r, admin_session::issue(token, generation, unix_seconds(clock)), secure);
                         redirect_to_report(r, ctx);
                       });
}

// This browser signs out: its cookie is cleared; other sessions go on.
void AdminApi::sign_out(const Rest::Request& request, Http::ResponseWriter response) {
  if (!may_change_session(request)) return refuse(request, response);
  set_session_cookie(response, "", secure_cookies_);
  redirect_to_report(response, ReplyContext::of(request));
}

// Every session ends, on every daemon sharing the database: the generation moves on.
void AdminApi::end_all_sessions(const Rest::Request& request, Http::ResponseWriter response) {
  if (!may_change_session(request)) return refuse(request, response);
  answer_as_admin(request, std::move(response),
                  [secure = secure_cookies_](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                    const long long generation = store::AdminSessions(c).end_all();
                    log::info("admin sessions ended everywhere", {{"request_id", ctx.request_id}, {"generation", generation}});
                    set_session_cookie(r, "", secure);
                    redirect_to_report(r, ctx);
                  });
}

bool AdminApi::may_change_session(const Rest::Request& request) const {
  if (authorized(request, true)) return true;
  const std::string cookie = session_cookie(request);
  if (cookie.empty() || !bearer_token(request).empty()) return false;
  const std::string csrf = form_field(request.body(), "csrf");
  return !csrf.empty() && crypto::constant_time_equals(csrf, admin_session::csrf_token(cookie, token_.get()->reveal()));
}

void AdminApi::answer_as_admin(const Rest::Request& request, Http::ResponseWriter response, DatabaseWork work,
                               bool page) {
  std::optional<long long> generation;
  if (bearer_token(request).empty()) {
    generation = admin_session::generation_of(session_cookie(request), token_.get()->reveal(), unix_seconds(clock_));
  }
  answer_from_database(executor_, request, std::move(response),
                       [generation, work = std::move(work), page](pqxx::connection& c, Http::ResponseWriter& r,
                                                                  const ReplyContext& ctx) {
                         if (generation && *generation != store::AdminSessions(c).current()) {
                           if (!page) return send_error(r, ctx, Http::Code::Unauthorized, "missing or invalid admin token");
                           const std::string nonce = new_nonce();
                           return send_page(r, ctx, Http::Code::Unauthorized, render_sign_in("", nonce), nonce);
                         }
                         work(c, r, ctx);
                       });
}

}  // namespace cf::daemon
