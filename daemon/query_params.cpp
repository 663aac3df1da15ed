#include "daemon/query_params.h"

#include <utility>

#include "common/text.h"

namespace cf::daemon {

QueryParams params_of(const Pistache::Rest::Request& request) {
  return [&request](const char* name) -> std::optional<std::string> {
    const auto raw = request.query().get(name);
    if (!raw) return std::nullopt;
    return url_decode(*raw);
  };
}

std::optional<ParamError> read_page(const QueryParams& params, PageLimits limits, std::string_view shape, int& limit,
                                    std::optional<nlohmann::json>& key) {
  auto read_limit = parse_page_limit(params("limit"), limits);
  if (!read_limit) return ParamError{"limit", read_limit.error().message};
  limit = *read_limit;
  if (auto cursor = params("cursor")) {
    auto decoded = decode_page_cursor(*cursor, shape);
    if (!decoded) return ParamError{"cursor", decoded.error().message};
    key = std::move(*decoded);
  }
  return std::nullopt;
}

}  // namespace cf::daemon
