#include "daemon/admin_api.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>

#include "common/crypto.h"
#include "common/json_depth.h"
#include "common/log.h"
#include "common/text.h"
#include "daemon/admin_page.h"
#include "daemon/admin_session.h"
#include "daemon/http_reply.h"
#include "daemon/page_headers.h"
#include "ingest/routing.h"
#include "reconcile/assign.h"
#include "reconcile/findings.h"
#include "store/admin_sessions.h"

namespace cf::daemon {

using namespace Pistache;
using nlohmann::json;

namespace {

std::string query_param(const Rest::Request& request, const char* name, const std::string& fallback = {}) {
  const auto raw = request.query().get(name);
  return raw ? url_decode(*raw) : fallback;
}

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Http::Code code_of(const Error& error) {
  switch (error.kind) {
    case ErrorKind::not_found: return Http::Code::Not_Found;
    case ErrorKind::invalid_input: return Http::Code::Bad_Request;
    default: return Http::Code::Internal_Server_Error;
  }
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
  return admin_session::generation_of(cookie, token_.get()->reveal(), unix_seconds()) ? cookie : std::string();
}

bool AdminApi::shallow_enough(const Rest::Request& request, Http::ResponseWriter& response) const {
  if (json_depth_within(request.body(), max_json_depth_)) return true;
  send_json(response, ReplyContext::of(request), Http::Code::Bad_Request, {{"error", too_deep_message(max_json_depth_)}});
  return false;
}

void AdminApi::register_routes(HttpServer& server) {
  const auto unauthorized = [](const Rest::Request& request, Http::ResponseWriter& response) {
    send_json(response, ReplyContext::of(request), Http::Code::Unauthorized, {{"error", "missing or invalid admin token"}});
  };

  server.add_route("GET", "/admin/findings", [this, unauthorized](const Rest::Request& request, Http::ResponseWriter response) {
    if (!authorized(request, false)) return unauthorized(request, response), Rest::Route::Result::Ok;
    const std::string status = query_param(request, "status", "open");
    const std::string kind = query_param(request, "kind");
    const std::string format = query_param(request, "format", "json");
    if (format != "json" && format != "csv") {
      send_json(response, ReplyContext::of(request), Http::Code::Bad_Request, {{"error", "format must be json or csv"}, {"field", "format"}});
      return Rest::Route::Result::Ok;
    }
    answer_as_admin(request, std::move(response),
                [status, kind, format](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                  auto findings = reconcile::list_findings(c, status, kind);
                  if (!findings) return send_json(r, ctx, Http::Code::Bad_Request, {{"error", findings.error().message}});
                  if (format == "csv") return send_text(r, ctx, Http::Code::Ok, reconcile::report_csv(*findings), "text/csv");
                  send_text(r, ctx, Http::Code::Ok, reconcile::report_json(*findings), "application/json");
                });
    return Rest::Route::Result::Ok;
  });

  server.add_route("POST", "/admin/findings/:id/:action", [this, unauthorized](const Rest::Request& request, Http::ResponseWriter response) {
    if (!authorized(request, true)) return unauthorized(request, response), Rest::Route::Result::Ok;
    if (!shallow_enough(request, response)) return Rest::Route::Result::Ok;
    const std::string id_text = request.param(":id").as<std::string>();
    const std::string action = request.param(":action").as<std::string>();
    const auto body = json::parse(request.body(), nullptr, false);
    const auto context = ReplyContext::of(request);
    long long id = 0;
    try {
      std::size_t used = 0;
      id = std::stoll(id_text, &used);
      if (used != id_text.size()) throw std::invalid_argument("id");
    } catch (const std::exception&) {
      send_json(response, context, Http::Code::Not_Found, {{"error", "finding not found"}});
      return Rest::Route::Result::Ok;
    }
    if (!body.is_object() || !body.contains("by") || !body["by"].is_string() ||
        (body.contains("note") && !body["note"].is_string())) {
      send_json(response, context, Http::Code::Bad_Request,
                {{"error", "body must be {\"by\": \"<who>\", \"note\": \"<why>\"}"}, {"field", "by"}});
      return Rest::Route::Result::Ok;
    }
    const std::string by = std::string(trim(body["by"].get<std::string>()));
    const std::string note = body.value("note", "");
    if (action == "assign") {
      const auto tenants = body.find("tenant_ids");
      const bool strings = tenants != body.end() && tenants->is_array() &&
                           std::all_of(tenants->begin(), tenants->end(), [](const json& t) { return t.is_string(); });
      if (!strings) {
        send_json(response, context, Http::Code::Bad_Request,
                  {{"error", "body must be {\"by\", \"note\", \"tenant_ids\": [\"<tenant id>\", ...]}"}, {"field", "tenant_ids"}});
        return Rest::Route::Result::Ok;
      }
      const auto tenant_ids = tenants->get<std::vector<std::string>>();
      answer_as_admin(request, std::move(response),
                  [id, by, note, tenant_ids](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
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
      return Rest::Route::Result::Ok;
    }
    answer_as_admin(request, std::move(response),
                [id, action, by, note](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                  auto changed = reconcile::set_finding_status(c, id, action, by, note);
                  if (!changed) return send_json(r, ctx, code_of(changed.error()), {{"error", changed.error().message}});
                  send_json(r, ctx, Http::Code::Ok, reconcile::to_json(*changed));
                });
    return Rest::Route::Result::Ok;
  });

  server.add_route("GET", "/admin/events", [this, unauthorized](const Rest::Request& request, Http::ResponseWriter response) {
    if (!authorized(request, false)) return unauthorized(request, response), Rest::Route::Result::Ok;
    const std::string status = query_param(request, "status", "unrouted");
    std::set<std::string> allowed{"unrouted", ingest::status_name(ingest::RouteStatus::no_lead)};
    for (const auto s : ingest::unrouted_statuses()) allowed.insert(ingest::status_name(s));
    if (allowed.count(status) == 0) {
      send_json(response, ReplyContext::of(request), Http::Code::Bad_Request,
                {{"error", "status must be unrouted, no_lead or one unrouted status"}, {"field", "status"}});
      return Rest::Route::Result::Ok;
    }
    answer_as_admin(request, std::move(response),
                [status](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                  pqxx::read_transaction tx(c);
                  json items = json::array();
                  for (const auto& row : tx.exec_params(
                           "SELECT id, event_type, status, coalesce(detail, ''), contact_id, coalesce(email, ''), "
                           "to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
                           "FROM webhook_events WHERE status <> 'routed' "
                           "AND (($1 = 'unrouted' AND status <> 'no_lead') OR status = $1) "
                           "ORDER BY received_at DESC LIMIT 500",
                           status)) {
                    items.push_back({{"id", row[0].as<long long>()},
                                     {"event_type", row[1].as<std::string>()},
                                     {"status", row[2].as<std::string>()},
                                     {"detail", row[3].as<std::string>()},
                                     {"contact_id", row[4].is_null() ? json(nullptr) : json(row[4].as<long long>())},
                                     {"email", row[5].as<std::string>()},
                                     {"received_at", row[6].as<std::string>()}});
                  }
                  send_json(r, ctx, Http::Code::Ok, {{"items", items}});
                });
    return Rest::Route::Result::Ok;
  });
  register_page(server);
}

namespace {

// An HTML page with the headers that keep it to itself: its CSP nonce, no sniffing, no referrer, no cache.
void send_page(Http::ResponseWriter& response, const ReplyContext& context, Http::Code code, const std::string& html,
               const std::string& nonce) {
  response.headers().add<ContentSecurityPolicy>(page_policy(nonce));
  response.headers().add<ContentTypeOptions>("nosniff");
  response.headers().add<ReferrerPolicy>("no-referrer");
  response.headers().add<Http::Header::CacheControl>(Http::CacheDirective::NoStore);
  send_text(response, context, code, html, "text/html; charset=utf-8");
}

std::string new_nonce() { return crypto::to_hex(crypto::random_bytes(16)); }

// The value of `name` in an application/x-www-form-urlencoded body; empty when absent.
std::string form_field(const std::string& body, const std::string& name) {
  std::size_t start = 0;
  while (start <= body.size()) {
    const std::size_t end = std::min(body.find('&', start), body.size());
    const std::string pair = body.substr(start, end - start);
    const auto eq = pair.find('=');
    if (eq != std::string::npos && pair.substr(0, eq) == name) {
      std::string value = pair.substr(eq + 1);
      std::replace(value.begin(), value.end(), '+', ' ');
      return url_decode(value);
    }
    start = end + 1;
  }
  return {};
}

// Sets the session cookie to `value`; an empty value clears it.
void set_session_cookie(Http::ResponseWriter& response, const std::string& value, bool secure) {
  Http::Cookie cookie(admin_session::kCookieName, value);
  cookie.path = "/admin";
  cookie.httpOnly = true;
  cookie.secure = secure;
  cookie.maxAge = value.empty() ? 0 : static_cast<int>(admin_session::kLifetimeSeconds);
  cookie.ext["SameSite"] = "Strict";
  response.cookies().add(cookie);
}

void redirect_to_report(Http::ResponseWriter& response, const ReplyContext& context) {
  response.headers().add<Http::Header::Location>("/admin/report");
  send_text(response, context, Http::Code::See_Other, "", "text/plain");
}

}  // namespace

void AdminApi::register_page(HttpServer& server) {
  server.add_route("GET", "/admin/report", [this](const Rest::Request& request, Http::ResponseWriter response) {
    const auto context = ReplyContext::of(request);
    const std::string nonce = new_nonce();
    if (!authorized(request, false)) {
      send_page(response, context, Http::Code::Unauthorized, render_sign_in("", nonce), nonce);
      return Rest::Route::Result::Ok;
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
                  pqxx::read_transaction tx(c);
                  for (const auto& row : tx.exec("SELECT kind, status, count(*) FROM findings GROUP BY 1, 2")) {
                    view.counts[row[0].as<std::string>()][row[1].as<std::string>()] = row[2].as<int>();
                  }
                  json ids = json::array();
                  for (const auto& f : view.findings) {
                    for (const auto& owner : f.tenants) ids.push_back(owner.value("tenant_id", json()));
                  }
                  for (const auto& row : tx.exec_params(
                           "SELECT id::text, name, prefix FROM tenants WHERE id::text IN "
                           "(SELECT jsonb_array_elements_text($1::jsonb))", ids.dump())) {
                    view.tenants[row[0].as<std::string>()] = {row[1].as<std::string>(), row[2].as<std::string>()};
                  }
                  send_page(r, ctx, Http::Code::Ok, render_report(view), view.nonce);
                }, true);
    return Rest::Route::Result::Ok;
  });

  server.add_route("POST", "/admin/session", [this](const Rest::Request& request, Http::ResponseWriter response) {
    const auto context = ReplyContext::of(request);
    const std::string presented = form_field(request.body(), "token");
    const auto token = token_.get();
    const bool good = !token->empty() && !presented.empty() &&
                      crypto::constant_time_equals(crypto::sha256(presented), crypto::sha256(token->reveal()));
    if (!good) {
      const std::string nonce = new_nonce();
      send_page(response, context, Http::Code::Unauthorized, render_sign_in("That admin token is not valid.", nonce), nonce);
      return Rest::Route::Result::Ok;
    }
    // The cookie names the current session generation, read where the database work is done.
    answer_from_database(executor_, request, std::move(response),
                         [token = token->reveal(), secure = secure_cookies_](pqxx::connection& c, Http::ResponseWriter& r,
                                                                              const ReplyContext& ctx) {
                           const long long generation = store::AdminSessions(c).current();
                           set_session_cookie(r, admin_session::issue(token, generation, unix_seconds()), secure);
                           redirect_to_report(r, ctx);
                         });
    return Rest::Route::Result::Ok;
  });
  register_sessions(server);
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
    generation = admin_session::generation_of(session_cookie(request), token_.get()->reveal(), unix_seconds());
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

void AdminApi::register_sessions(HttpServer& server) {
  const auto refused = [](const Rest::Request& request, Http::ResponseWriter& response) {
    send_error(response, ReplyContext::of(request), Http::Code::Unauthorized, "missing or invalid admin token");
  };
  // This browser signs out: its cookie is cleared; other sessions go on.
  server.add_route("POST", "/admin/session/end", [this, refused](const Rest::Request& request, Http::ResponseWriter response) {
    if (!may_change_session(request)) return refused(request, response), Rest::Route::Result::Ok;
    set_session_cookie(response, "", secure_cookies_);
    redirect_to_report(response, ReplyContext::of(request));
    return Rest::Route::Result::Ok;
  });
  // Every session ends, on every daemon sharing the database: the generation moves on.
  server.add_route("POST", "/admin/session/end-all", [this, refused](const Rest::Request& request, Http::ResponseWriter response) {
    if (!may_change_session(request)) return refused(request, response), Rest::Route::Result::Ok;
    answer_as_admin(request, std::move(response),
                    [secure = secure_cookies_](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                      const long long generation = store::AdminSessions(c).end_all();
                      log::info("admin sessions ended everywhere", {{"request_id", ctx.request_id}, {"generation", generation}});
                      set_session_cookie(r, "", secure);
                      redirect_to_report(r, ctx);
                    });
    return Rest::Route::Result::Ok;
  });
}

}  // namespace cf::daemon
