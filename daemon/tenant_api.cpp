#include "daemon/tenant_api.h"

#include <memory>
#include <regex>

#include "common/clock.h"
#include "common/log.h"
#include "common/page_cursor.h"
#include "common/text.h"
#include "daemon/daemon_metrics.h"
#include "daemon/http_reply.h"
#include "daemon/query_params.h"
#include "store/database.h"
#include "store/leads.h"
#include "store/tenant_scope.h"
#include "store/tenants.h"

namespace cf::daemon {

using namespace Pistache;
using nlohmann::json;

namespace {

// The answer to a suspended tenant's API key (403).
constexpr const char* kTenantSuspended = "tenant suspended";

// Answers one request from a database thread. The caller's place among its tenant's requests in
// flight is given back just before the answer leaves, so a next request sent on seeing it finds
// the place free.
struct Reply {
  Http::ResponseWriter& response;
  const ReplyContext& context;
  TenantInFlight::Slot& slot;

  void reply(Http::Code code, const json& body) {
    slot.release();
    send_json(response, context, code, body);
  }
  void no_content() {
    slot.release();
    send_no_content(response, context);
  }
  void error(Http::Code code, const std::string& message, const std::string& field = {}) {
    slot.release();
    send_error(response, context, code, message, field);
  }
};

// The caller as the in-memory filter knows it: its API key and tenant id, and its place among the
// tenant's requests in flight (held until its answer).
struct KnownCaller {
  std::string api_key;
  std::string tenant_id;
  std::shared_ptr<TenantInFlight::Slot> slot;
};

// The per-tenant rate limit: true when `tenant_id` is over it and the request has been answered
// 429 with Retry-After (counted). Needs nothing but the tenant id and the writer, so it runs in the
// HTTP thread, before any database work.
bool refused_by_rate_limit(TenantRateLimit& limit, const std::string& tenant_id, Http::ResponseWriter& response,
                           const ReplyContext& context) {
  const auto verdict = limit.admit(tenant_id);
  if (verdict.admitted) return false;
  DaemonMetrics::process_wide().tenant_api_request("rate_limited");
  send_json(response, context, Http::Code::Too_Many_Requests,
            {{"error", "too many requests: retry after the seconds in Retry-After"}}, verdict.retry_after_seconds);
  return true;
}

// A place among `tenant_id`'s requests in flight; null when it holds them all, after answering 429
// with Retry-After (counted). Runs in the HTTP thread, before the request is queued.
std::shared_ptr<TenantInFlight::Slot> in_flight_slot(TenantInFlight& in_flight, const std::string& tenant_id,
                                                     Http::ResponseWriter& response, const ReplyContext& context) {
  constexpr int kRetryAfterSeconds = 1;
  auto slot = in_flight.admit(tenant_id);
  if (slot) return slot;
  DaemonMetrics::process_wide().tenant_api_request("too_many_in_flight");
  send_json(response, context, Http::Code::Too_Many_Requests,
            {{"error", "too many requests in flight: at most " + std::to_string(kMaxRequestsInFlightPerTenant) +
                           " at once; retry after the seconds in Retry-After"}},
            kRetryAfterSeconds);
  return nullptr;
}

// The caller named by the request's API key, checked against the CredentialFilter, its tenant's
// rate limit and its requests in flight without the database; nullopt when there is none, after
// answering 401 (no tenant holds the key), 403 (its tenant is suspended), 429 (the tenant is over its rate, or holds all its
// places in flight) or 503 (the filter cannot tell now).
std::optional<KnownCaller> known_caller(CredentialFilter& credentials, TenantRateLimit& limit, TenantInFlight& in_flight,
                                        const Rest::Request& request, Http::ResponseWriter& response) {
  std::string api_key = bearer_token(request);
  const auto match = api_key.empty() ? CredentialFilter::Match{} : credentials.api_key(api_key);
  switch (match.verdict) {
    case CredentialFilter::Verdict::known: {
      const auto context = ReplyContext::of(request);
      if (match.suspended) {
        send_error(response, context, Http::Code::Forbidden, kTenantSuspended);
        return std::nullopt;
      }
      if (refused_by_rate_limit(limit, match.tenant_id, response, context)) return std::nullopt;
      auto slot = in_flight_slot(in_flight, match.tenant_id, response, context);
      if (!slot) return std::nullopt;
      DaemonMetrics::process_wide().tenant_api_request("admitted");
      return KnownCaller{std::move(api_key), match.tenant_id, std::move(slot)};
    }
    case CredentialFilter::Verdict::unknown:
      send_error(response, ReplyContext::of(request), Http::Code::Unauthorized, "missing or invalid API key");
      return std::nullopt;
    case CredentialFilter::Verdict::unavailable: break;
  }
  send_database_unavailable(response, ReplyContext::of(request));
  return std::nullopt;
}

// What a request's work threw: a statement PostgreSQL cancelled at the tenant statement timeout is
// 503 with Retry-After (counted, logged at warn); anything else 500.
void answer_failure(Http::ResponseWriter& response, const ReplyContext& context, const std::exception& error) {
  constexpr int kRetryAfterSeconds = 5;
  if (!store::is_query_cancelled(error)) return send_internal_error(response, context, error);
  DaemonMetrics::process_wide().tenant_api_statement_timeout();
  log::warn("tenant request cancelled at the statement timeout", {{"request_id", context.request_id}});
  send_json(response, context, Http::Code::Service_Unavailable,
            {{"error", "the request ran past the database's time limit for one statement (" +
                           std::to_string(store::kTenantStatementSeconds) + " s); retry later"}},
            kRetryAfterSeconds);
}

using CallerWork = std::function<void(pqxx::connection&, const store::Caller&, Reply&)>;

// Runs `work` on the executor in the lane of the caller's tenant, once the database confirms its
// key. The job owns the caller's place in flight and gives it back before any answer: the work's,
// 503 (database unavailable, queue full, a statement past the timeout) or 500.
void as_caller(DbExecutor& executor, const Rest::Request& request, Http::ResponseWriter response,
               const KnownCaller& caller, CallerWork work) {
  auto held = std::make_shared<Http::ResponseWriter>(std::move(response));
  const auto context = ReplyContext::of(request);
  const auto slot = caller.slot;
  executor.submit({[held, context, slot, api_key = caller.api_key, work](pqxx::connection& connection) {
                     Reply p{*held, context, *slot};
                     auto tenant = store::TenantStore(connection).find_by_api_key(api_key);
                     if (!tenant) {
                       if (tenant.error().kind == ErrorKind::unavailable) {
                         throw pqxx::broken_connection("database unavailable");
                       }
                       return p.error(Http::Code::Unauthorized, "missing or invalid API key");
                     }
                     // Suspended since the filter last heard: the database has the last word.
                     if (tenant->suspended()) return p.error(Http::Code::Forbidden, kTenantSuspended);
                     work(connection, store::Caller{tenant->id, tenant->prefix}, p);
                   },
                   [held, context, slot] {
                     slot->release();
                     send_database_unavailable(*held, context);
                   },
                   [held, context, slot](const std::exception& e) {
                     slot->release();
                     answer_failure(*held, context, e);
                   },
                   caller.tenant_id});
}

// The listing filters from the query string; a FieldError for the first bad one.
std::variant<store::LeadQuery, store::FieldError> parse_query(const Rest::Request& request) {
  store::LeadQuery query;
  const auto param = params_of(request);
  if (auto limit = param("limit")) {
    static const std::regex digits("^[0-9]{1,3}$");
    if (!std::regex_match(*limit, digits) || std::stoi(*limit) < 1 || std::stoi(*limit) > 100) {
      return store::FieldError{"limit", "limit must be between 1 and 100"};
    }
    query.limit = std::stoi(*limit);
  }
  if (auto cursor = param("cursor")) query.cursor = *cursor;
  if (auto tag = param("tag")) {
    static const std::regex slug("^[a-z0-9]+(-[a-z0-9]+)*$");
    if (tag->size() > 100 || !std::regex_match(*tag, slug)) {
      return store::FieldError{"tag", "tag must be the part after your prefix, such as demo-request"};
    }
    query.tag_suffix = *tag;
  }
  for (const char* name : {"created_after", "created_before"}) {
    if (auto value = param(name)) {
      auto at = parse_iso8601(*value);
      if (!at) return store::FieldError{name, std::string(name) + " must be an ISO 8601 time such as 2026-11-01T00:00:00Z"};
      (std::string(name) == "created_after" ? query.created_after : query.created_before) = at;
    }
  }
  return query;
}

}  // namespace

void TenantApi::register_routes(HttpServer& server) {
  server.add_route("POST", "/v1/leads", this, &TenantApi::capture_lead);
  server.add_route("GET", "/v1/leads", this, &TenantApi::list_leads);
  server.add_route("GET", "/v1/leads/:id", this, &TenantApi::show_lead);
  server.add_route("PATCH", "/v1/leads/:id", this, &TenantApi::convert_lead);
  server.add_route("DELETE", "/v1/leads/:id", this, &TenantApi::erase_lead);
  server.add_route("GET", "/v1/leads/:id/events", this, &TenantApi::lead_timeline);
  server.add_route("GET", "/v1/stats", this, &TenantApi::stats);
}

void TenantApi::capture_lead(const Rest::Request& request, Http::ResponseWriter response) {
  const auto caller = known_caller(credentials_, rate_limit_, in_flight_, request, response);
  if (!caller) return;
  auto input = store::parse_lead_input(request.body(), max_json_depth_);
  if (const auto* bad = std::get_if<store::FieldError>(&input)) {
    return send_error(response, ReplyContext::of(request), Http::Code::Bad_Request, bad->message, bad->field);
  }
  as_caller(executor_, request, std::move(response), *caller,
            [input = std::get<store::LeadInput>(std::move(input)), policy = duplicate_policy_, key = erasure_key_](
                pqxx::connection& connection, const store::Caller& caller, Reply& p) {
              const auto capture = store::LeadStore(connection, key).capture(caller, input, policy);
              // The lead, and whether this capture made it (201) or found it (200, a re-capture).
              const auto answer = [&](Http::Code code, bool created) {
                json body = store::to_json(*capture.lead);
                body["created"] = created;
                p.reply(code, body);
              };
              switch (capture.outcome) {
                case store::CaptureOutcome::created: return answer(Http::Code::Created, true);
                case store::CaptureOutcome::existing: return answer(Http::Code::Ok, false);
                case store::CaptureOutcome::taken_elsewhere:
                  return p.error(Http::Code::Conflict, "This lead is already registered with another IB");
              }
            });
}

void TenantApi::list_leads(const Rest::Request& request, Http::ResponseWriter response) {
  const auto caller = known_caller(credentials_, rate_limit_, in_flight_, request, response);
  if (!caller) return;
  auto query = parse_query(request);
  if (const auto* bad = std::get_if<store::FieldError>(&query)) {
    return send_error(response, ReplyContext::of(request), Http::Code::Bad_Request, bad->message, bad->field);
  }
  as_caller(executor_, request, std::move(response), *caller,
            [query = std::get<store::LeadQuery>(std::move(query))](pqxx::connection& connection,
                                                                  const store::Caller& caller, Reply& p) {
              auto page = store::LeadStore(connection).list(caller, query);
              if (!page) return p.error(Http::Code::Bad_Request, page.error().message, "cursor");
              json items = json::array();
              for (const auto& lead : page->items) items.push_back(store::to_json(lead));
              p.reply(Http::Code::Ok, {{"items", items},
                                       {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}});
            });
}

void TenantApi::show_lead(const Rest::Request& request, Http::ResponseWriter response) {
  const auto caller = known_caller(credentials_, rate_limit_, in_flight_, request, response);
  if (!caller) return;
  as_caller(executor_, request, std::move(response), *caller,
            [id = request.param(":id").as<std::string>()](pqxx::connection& connection, const store::Caller& caller,
                                                          Reply& p) {
              auto found = store::LeadStore(connection).get(caller, id);
              if (!found) return p.error(Http::Code::Not_Found, "lead not found");
              json body = store::to_json(found->first);
              body["events"] = json::array();
              for (const auto& event : found->second) body["events"].push_back(store::to_json(event));
              p.reply(Http::Code::Ok, body);
            });
}

void TenantApi::convert_lead(const Rest::Request& request, Http::ResponseWriter response) {
  const auto caller = known_caller(credentials_, rate_limit_, in_flight_, request, response);
  if (!caller) return;
  const auto input = store::parse_conversion_input(request.body(), max_json_depth_);
  if (const auto* bad = std::get_if<store::FieldError>(&input)) {
    return send_error(response, ReplyContext::of(request), Http::Code::Bad_Request, bad->message, bad->field);
  }
  as_caller(executor_, request, std::move(response), *caller,
            [id = request.param(":id").as<std::string>(), converted = std::get<bool>(input)](
                pqxx::connection& connection, const store::Caller& caller, Reply& p) {
              const auto change = store::LeadStore(connection).set_converted(caller, id, converted);
              if (!change.found) return p.error(Http::Code::Not_Found, "lead not found");
              if (converted || change.reasons.empty()) return p.reply(Http::Code::Ok, store::to_json(*change.lead));
              // Only the API's reason was withdrawn: a tag or a sale still converts the lead.
              std::string which;
              for (const auto& reason : change.reasons) which += (which.empty() ? "" : " and ") + reason;
              p.reply(Http::Code::Conflict, {{"error", "the lead is still converted by its " + which +
                                                           "; only the api reason was withdrawn"},
                                             {"field", "converted"},
                                             {"converted_by", *change.lead->converted_by},
                                             {"reasons", change.reasons}});
            });
}

void TenantApi::erase_lead(const Rest::Request& request, Http::ResponseWriter response) {
  const auto caller = known_caller(credentials_, rate_limit_, in_flight_, request, response);
  if (!caller) return;
  if (erasure_key_.empty()) {
    return send_error(response, ReplyContext::of(request), Http::Code::Service_Unavailable,
                      "erasure is not configured on this server (privacy.erasure_key)");
  }
  as_caller(executor_, request, std::move(response), *caller,
            [id = request.param(":id").as<std::string>(), key = erasure_key_](pqxx::connection& connection,
                                                                              const store::Caller& caller, Reply& p) {
              if (!store::LeadStore(connection, key).erase(caller, id)) return p.error(Http::Code::Not_Found, "lead not found");
              p.no_content();
            });
}

void TenantApi::lead_timeline(const Rest::Request& request, Http::ResponseWriter response) {
  const auto caller = known_caller(credentials_, rate_limit_, in_flight_, request, response);
  if (!caller) return;
  int limit = 0;
  std::optional<json> key;
  if (auto bad = read_page(params_of(request), {}, "i", limit, key)) {
    return send_error(response, ReplyContext::of(request), Http::Code::Bad_Request, bad->message, bad->field);
  }
  std::optional<long long> after;
  if (key) after = (*key)[0].get<long long>();
  as_caller(executor_, request, std::move(response), *caller,
            [id = request.param(":id").as<std::string>(), limit, after](
                pqxx::connection& connection, const store::Caller& caller, Reply& p) {
              const auto page = store::LeadStore(connection).timeline(caller, id, limit, after);
              if (!page) return p.error(Http::Code::Not_Found, "lead not found");
              json items = json::array();
              for (const auto& event : page->items) items.push_back(store::to_json(event));
              p.reply(Http::Code::Ok, page_json(std::move(items),
                                                page->next_after ? encode_page_cursor(json::array({*page->next_after})) : ""));
            });
}

void TenantApi::stats(const Rest::Request& request, Http::ResponseWriter response) {
  const auto caller = known_caller(credentials_, rate_limit_, in_flight_, request, response);
  if (!caller) return;
  const std::string given = params_of(request)("tz").value_or("UTC");
  constexpr const char* kUnknownZone = "tz must be an IANA time zone name such as UTC or Europe/Paris";
  // Checked in memory (store/time_zones.h): any key may call this at will, and PostgreSQL's own
  // list of zones is a scan of its zone files.
  if (!time_zones_->may_know(given)) {
    return send_error(response, ReplyContext::of(request), Http::Code::Bad_Request, kUnknownZone, "tz");
  }
  as_caller(executor_, request, std::move(response), *caller,
            [given, zones = time_zones_, kUnknownZone](pqxx::connection& connection, const store::Caller& caller, Reply& p) {
              const auto zone = zones->find(given, connection);
              if (!zone) return p.error(Http::Code::Bad_Request, kUnknownZone, "tz");
              const auto stats = store::LeadStore(connection).stats(caller, *zone);
              p.reply(Http::Code::Ok, {{"total_leads", stats.total_leads},
                                       {"this_month", stats.this_month},
                                       {"converted", stats.converted},
                                       {"converted_this_month", stats.converted_this_month},
                                       {"opened", stats.opened}});
            });
}

}  // namespace cf::daemon
