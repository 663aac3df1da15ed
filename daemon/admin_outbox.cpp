// GET /admin/outbox: the outbox of Systeme.io syncs for admins, a page at a time, with each job's
// last error (store/outbox_admin.h). Answers {"items": [...], "next_cursor": ...}.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "common/text.h"
#include "daemon/admin_api.h"
#include "store/outbox_admin.h"
#include "store/tenants.h"

namespace cf::daemon {

using namespace Pistache;
using nlohmann::json;

namespace {

bool all_digits(const std::string& text, std::size_t max_size) {
  return !text.empty() && text.size() <= max_size &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The listing asked for, or the field at fault and why.
std::variant<store::OutboxJobQuery, std::pair<std::string, std::string>> outbox_query(const Rest::Request& request) {
  const auto param = [&request](const char* name) {
    const auto raw = request.query().get(name);
    return raw ? url_decode(*raw) : std::string();
  };
  store::OutboxJobQuery query;
  query.state = param("state");
  query.tenant_id = param("tenant");
  query.cursor = param("cursor");
  const std::string limit = param("limit");
  const auto& states = store::outbox_job_states();
  if (!query.state.empty() && std::find(states.begin(), states.end(), query.state) == states.end()) {
    return std::make_pair(std::string("state"), std::string("state must be pending, failed, discarded or done"));
  }
  if (!query.tenant_id.empty() && !store::is_uuid(query.tenant_id)) {
    return std::make_pair(std::string("tenant"), std::string("tenant must be a tenant id (a UUID)"));
  }
  if (!query.cursor.empty() && !all_digits(query.cursor, 18)) {
    return std::make_pair(std::string("cursor"), std::string("cursor must be the next_cursor of a page before"));
  }
  if (!limit.empty()) {
    if (!all_digits(limit, 3) || std::stoi(limit) < 1 || std::stoi(limit) > 500) {
      return std::make_pair(std::string("limit"), std::string("limit must be between 1 and 500"));
    }
    query.limit = std::stoi(limit);
  }
  return query;
}

}  // namespace

void AdminApi::outbox_jobs(const Rest::Request& request, Http::ResponseWriter response) {
  if (!authorized(request, false)) {
    return send_error(response, ReplyContext::of(request), Http::Code::Unauthorized, "missing or invalid admin token");
  }
  auto query = outbox_query(request);
  if (const auto* bad = std::get_if<std::pair<std::string, std::string>>(&query)) {
    return send_error(response, ReplyContext::of(request), Http::Code::Bad_Request, bad->second, bad->first);
  }
  answer_as_admin(request, std::move(response),
                  [query = std::get<store::OutboxJobQuery>(std::move(query))](
                      pqxx::connection& c, Http::ResponseWriter& r, const ReplyContext& ctx) {
                    auto page = store::list_outbox_jobs(c, query);
                    if (!page) return send_error(r, ctx, Http::Code::Bad_Request, page.error().message);
                    json items = json::array();
                    for (const auto& job : page->items) items.push_back(store::to_json(job));
                    send_json(r, ctx, Http::Code::Ok,
                              {{"items", items},
                               {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}});
                  });
}

}  // namespace cf::daemon
