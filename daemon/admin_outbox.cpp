// GET /admin/outbox: the outbox of Systeme.io syncs for admins, a page at a time, with each job's
// last error (store/outbox_admin.h). Answers {"items": [...], "next_cursor": ...}; its limit and
// cursor are every listing's (daemon/query_params.h).
#include <algorithm>
#include <string>
#include <utility>
#include <variant>

#include "daemon/admin_api.h"
#include "daemon/admin_listing.h"
#include "daemon/query_params.h"
#include "store/outbox_admin.h"

namespace cf::daemon {

using namespace Pistache;
using nlohmann::json;

namespace {

// state (every state when absent), tenant, limit (1-500, 50), cursor; the first bad one.
std::variant<store::OutboxJobQuery, ParamError> read_outbox_query(const QueryParams& params) {
  store::OutboxJobQuery query;
  if (auto state = params("state")) {
    const auto& states = store::outbox_job_states();
    if (std::find(states.begin(), states.end(), *state) == states.end()) {
      return ParamError{"state", "state must be pending, failed, discarded or done"};
    }
    query.states = {*state};
  }
  if (auto bad = read_tenant(params, query.tenant_id)) return *bad;
  std::optional<json> key;
  if (auto bad = read_page(params, {}, "i", query.limit, key)) return *bad;
  if (key) query.after = (*key)[0].get<long long>();
  return query;
}

}  // namespace

void AdminApi::outbox_jobs(const Rest::Request& request, Http::ResponseWriter response) {
  if (!authorized(request, false)) {
    return send_error(response, ReplyContext::of(request), Http::Code::Unauthorized, "missing or invalid admin token");
  }
  auto query = read_outbox_query(params_of(request));
  if (const auto* bad = std::get_if<ParamError>(&query)) {
    return send_error(response, ReplyContext::of(request), Http::Code::Bad_Request, bad->message, bad->field);
  }
  answer_as_admin(request, std::move(response),
                  [query = std::get<store::OutboxJobQuery>(std::move(query))](
                      pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                    auto page = store::list_outbox_jobs(c, query);
                    if (!page) return send_error(r, ctx, Http::Code::Bad_Request, page.error().message);
                    json items = json::array();
                    for (const auto& job : page->items) items.push_back(store::to_json(job));
                    send_json(r, ctx, Http::Code::Ok, page_json(std::move(items), page->next_after ? cursor_of(*page->next_after) : ""));
                  });
}

}  // namespace cf::daemon
