#include "daemon/admin_api.h"

#include <algorithm>
#include <memory>
#include <set>

#include "common/crypto.h"
#include "common/text.h"
#include "daemon/http_reply.h"
#include "reconcile/assign.h"
#include "reconcile/findings.h"

namespace cf::daemon {

using namespace Pistache;
using nlohmann::json;

namespace {

std::string query_param(const Rest::Request& request, const char* name, const std::string& fallback = {}) {
  const auto raw = request.query().get(name);
  return raw ? url_decode(*raw) : fallback;
}

Http::Code code_of(const Error& error) {
  switch (error.kind) {
    case ErrorKind::not_found: return Http::Code::Not_Found;
    case ErrorKind::invalid_input: return Http::Code::Bad_Request;
    default: return Http::Code::Internal_Server_Error;
  }
}

}  // namespace

bool AdminApi::authorized(const Rest::Request& request) const {
  const std::string presented = bearer_token(request);
  if (token_.empty() || presented.empty()) return false;
  return crypto::constant_time_equals(crypto::sha256(presented), crypto::sha256(token_.reveal()));
}

void AdminApi::register_routes(HttpServer& server) {
  const auto unauthorized = [](const Rest::Request& request, Http::ResponseWriter& response) {
    send_json(response, ReplyContext::of(request), Http::Code::Unauthorized, {{"error", "missing or invalid admin token"}});
  };

  server.add_route("GET", "/admin/findings", [this, unauthorized](const Rest::Request& request, Http::ResponseWriter response) {
    if (!authorized(request)) return unauthorized(request, response), Rest::Route::Result::Ok;
    const std::string status = query_param(request, "status", "open");
    const std::string kind = query_param(request, "kind");
    const std::string format = query_param(request, "format", "json");
    if (format != "json" && format != "csv") {
      send_json(response, ReplyContext::of(request), Http::Code::Bad_Request, {{"error", "format must be json or csv"}, {"field", "format"}});
      return Rest::Route::Result::Ok;
    }
    answer_from_database(executor_, request, std::move(response),
                [status, kind, format](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                  auto findings = reconcile::list_findings(c, status, kind);
                  if (!findings) return send_json(r, ctx, Http::Code::Bad_Request, {{"error", findings.error().message}});
                  if (format == "csv") return send_text(r, ctx, Http::Code::Ok, reconcile::report_csv(*findings), "text/csv");
                  send_text(r, ctx, Http::Code::Ok, reconcile::report_json(*findings), "application/json");
                });
    return Rest::Route::Result::Ok;
  });

  server.add_route("POST", "/admin/findings/:id/:action", [this, unauthorized](const Rest::Request& request, Http::ResponseWriter response) {
    if (!authorized(request)) return unauthorized(request, response), Rest::Route::Result::Ok;
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
      answer_from_database(executor_, request, std::move(response),
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
    answer_from_database(executor_, request, std::move(response),
                [id, action, by, note](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                  auto changed = reconcile::set_finding_status(c, id, action, by, note);
                  if (!changed) return send_json(r, ctx, code_of(changed.error()), {{"error", changed.error().message}});
                  send_json(r, ctx, Http::Code::Ok, reconcile::to_json(*changed));
                });
    return Rest::Route::Result::Ok;
  });

  server.add_route("GET", "/admin/events", [this, unauthorized](const Rest::Request& request, Http::ResponseWriter response) {
    if (!authorized(request)) return unauthorized(request, response), Rest::Route::Result::Ok;
    const std::string status = query_param(request, "status", "unrouted");
    static const std::set<std::string> allowed{"unrouted", "ambiguous", "foreign_prefix", "unknown_prefix",
                                               "no_prefix", "unsupported", "malformed"};
    if (allowed.count(status) == 0) {
      send_json(response, ReplyContext::of(request), Http::Code::Bad_Request,
                {{"error", "status must be unrouted or one unrouted status"}, {"field", "status"}});
      return Rest::Route::Result::Ok;
    }
    answer_from_database(executor_, request, std::move(response),
                [status](pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                  pqxx::read_transaction tx(c);
                  json items = json::array();
                  for (const auto& row : tx.exec_params(
                           "SELECT id, event_type, status, coalesce(detail, ''), contact_id, coalesce(email, ''), "
                           "to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
                           "FROM webhook_events WHERE status <> 'routed' AND ($1 = 'unrouted' OR status = $1) "
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
}

}  // namespace cf::daemon
