#include "daemon/admin_api.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <variant>
#include <vector>

#include "common/crypto.h"
#include "common/json_depth.h"
#include "common/log.h"
#include "common/text.h"
#include "daemon/admin_browser.h"
#include "daemon/admin_listing.h"
#include "daemon/admin_page.h"
#include "daemon/admin_session.h"
#include "daemon/http_reply.h"
#include "reconcile/assign.h"
#include "reconcile/findings.h"
#include "store/admin_review.h"
#include "store/erasure_audit.h"
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

constexpr int kReportPage = 50;  // findings on one report page

// The parameter a finding filter's error names.
std::string field_of(const Error& error) { return error.message.rfind("kind", 0) == 0 ? "kind" : "status"; }

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

void refuse_param(const Rest::Request& request, Http::ResponseWriter& response, const ParamError& error) {
  send_error(response, ReplyContext::of(request), Http::Code::Bad_Request, error.message, error.field);
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
  const std::string format = query_param(request, "format", "json");
  if (format != "json" && format != "csv") {
    return send_json(response, ReplyContext::of(request), Http::Code::Bad_Request,
                     {{"error", "format must be json or csv"}, {"field", "format"}});
  }
  auto read = read_finding_listing(params_of(request));
  if (const auto* bad = std::get_if<ParamError>(&read)) return refuse_param(request, response, *bad);
  auto listing = std::get<FindingListing>(std::move(read));
  answer_as_admin(request, std::move(response),
                  [listing, format](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                    if (format == "csv") {  // the whole export of a status and kind
                      auto all = reconcile::list_findings(c, listing.filter.status, listing.filter.kind);
                      if (!all) return send_error(r, ctx, Http::Code::Bad_Request, all.error().message, "status");
                      return send_text(r, ctx, Http::Code::Ok, reconcile::report_csv(*all), "text/csv");
                    }
                    auto page = reconcile::page_findings(c, listing.filter, listing.limit, listing.after);
                    if (!page) return send_error(r, ctx, Http::Code::Bad_Request, page.error().message, field_of(page.error()));
                    json items = json::array();
                    for (const auto& f : page->items) items.push_back(reconcile::to_json(f));
                    send_json(r, ctx, Http::Code::Ok, page_json(std::move(items), page->next_after ? cursor_of(*page->next_after) : ""));
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
  if (!authorized(request, false)) return refuse(request, response);
  auto read = read_event_listing(params_of(request));
  if (const auto* bad = std::get_if<ParamError>(&read)) return refuse_param(request, response, *bad);
  answer_as_admin(request, std::move(response),
                  [listing = std::get<EventListing>(std::move(read))](pqxx::connection& c, Http::ResponseWriter& r,
                                                                       const ReplyContext& ctx) {
                    const auto page = store::AdminReview(c).deliveries(listing.filter, listing.limit, listing.after);
                    json items = json::array();
                    for (const auto& delivery : page.items) items.push_back(to_json(delivery));
                    send_json(r, ctx, Http::Code::Ok, page_json(std::move(items), page.next_after ? cursor_of(*page.next_after) : ""));
                  });
}

void AdminApi::erasures(const Rest::Request& request, Http::ResponseWriter response) {
  if (!authorized(request, false)) return refuse(request, response);
  auto read = read_erasure_listing(params_of(request));
  if (const auto* bad = std::get_if<ParamError>(&read)) return refuse_param(request, response, *bad);
  answer_as_admin(request, std::move(response),
                  [listing = std::get<ErasureListing>(std::move(read))](pqxx::connection& c, Http::ResponseWriter& r,
                                                                         const ReplyContext& ctx) {
                    pqxx::read_transaction tx(c);
                    const auto page = store::page_erasures(tx, listing.filter, listing.limit, listing.after);
                    json items = json::array();
                    for (const auto& erasure : page.items) items.push_back(store::to_json(erasure));
                    send_json(r, ctx, Http::Code::Ok, page_json(std::move(items), page.next_after ? cursor_of(*page.next_after) : ""));
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

// Every {"tenant_id", "lead_id"} entry of the given findings (their cards show the leads).
json owners_of(const std::vector<reconcile::Finding>& findings) {
  json owners = json::array();
  for (const auto& f : findings) {
    for (const auto& owner : f.tenants) owners.push_back(owner);
  }
  return owners;
}

}  // namespace

void AdminApi::report(const Rest::Request& request, Http::ResponseWriter response) {
  const auto context = ReplyContext::of(request);
  const std::string nonce = new_nonce();
  if (!authorized(request, false)) {
    return send_page(response, context, Http::Code::Unauthorized, render_sign_in("", nonce), nonce);
  }
  const auto bad_request = [&](const std::string& message) {
    send_page(response, context, Http::Code::Bad_Request, "<!DOCTYPE html><p>" + html_escape(message) + "</p>\n", nonce);
  };
  // The page's filter form sends every field, an empty one meaning "any".
  const auto given = [all = params_of(request)](const char* name) {
    auto value = all(name);
    return value && value->empty() ? std::nullopt : value;
  };
  auto read = read_finding_listing(given, PageLimits{kReportPage, kReportPage});
  if (const auto* bad = std::get_if<ParamError>(&read)) return bad_request(bad->message);
  auto listing = std::get<FindingListing>(std::move(read));
  const std::string cookie = session_cookie(request);
  ReportView view;
  view.status_filter = listing.filter.status;
  view.kind_filter = listing.filter.kind;
  view.email_filter = listing.filter.email;
  view.first_page = !listing.after;
  view.nonce = nonce;
  // A Bearer-only visitor has no cookie; its actions would use the header instead.
  view.csrf_token = cookie.empty() ? std::string() : admin_session::csrf_token(cookie, token_.get()->reveal());
  answer_as_admin(request, std::move(response),
                  [view = std::move(view), listing](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) mutable {
                    auto page = reconcile::page_findings(c, listing.filter, listing.limit, listing.after);
                    if (!page) {
                      return send_page(r, ctx, Http::Code::Bad_Request,
                                       "<!DOCTYPE html><p>" + html_escape(page.error().message) + "</p>\n", view.nonce);
                    }
                    view.findings = std::move(page->items);
                    if (page->next_after) view.next_cursor = cursor_of(*page->next_after);
                    store::AdminReview review(c);
                    view.counts = review.finding_counts();
                    view.tenants = review.tenant_labels(owner_ids(view.findings));
                    view.outbox_failed = store::count_failed_outbox_jobs(c);
                    view.leads = review.lead_cards(owners_of(view.findings));
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
