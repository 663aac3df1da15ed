// Query parameters as the daemon's listings read them: percent-decoded lookups of a request's
// query (Pistache 0.0.5 does not decode them), and the `limit` and `cursor` of every keyset-paged
// listing ({"items": [...], "next_cursor": ...}, common/page_cursor.h), each bad one a ParamError
// naming the parameter.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <pistache/router.h>

#include "common/page_cursor.h"

namespace cf::daemon {

struct ParamError {
  std::string field;
  std::string message;
};

// A query parameter, percent-decoded; nullopt when absent.
using QueryParams = std::function<std::optional<std::string>(const char* name)>;

// The request's query parameters; the request must outlive the lookup.
QueryParams params_of(const Pistache::Rest::Request& request);

// limit and cursor; the cursor's key in `key` when it has `shape` (page_cursor.h).
std::optional<ParamError> read_page(const QueryParams& params, PageLimits limits, std::string_view shape, int& limit,
                                    std::optional<nlohmann::json>& key);

}  // namespace cf::daemon
