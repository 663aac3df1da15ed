// Page cursors: what every keyset-paged listing ({"items": [...], "next_cursor": ...}) shares.
// parse_page_limit reads the `limit` query parameter (1 to a maximum, a default when absent);
// a PageCursor is the sort key of the last row a page showed (a few integers and strings),
// handed out as an opaque base64url token and read back only when it has the shape the listing
// expects. Bad text of either is invalid_input whose message names the parameter. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cf {

struct PageLimits {
  int fallback = 50;  // when the parameter is absent
  int max = 500;
};

// `text`: the raw parameter (nullopt when absent): digits only, from 1 to limits.max.
Result<int> parse_page_limit(const std::optional<std::string>& text, PageLimits limits = {});

// The token for a sort key: a JSON array of integers and strings.
std::string encode_page_cursor(const nlohmann::json& key);

// The key a token holds, when it has `shape`: one letter per element, 'i' an integer, 's' a
// string (e.g. "ii"). invalid_input "cursor is not one this API gave" otherwise.
Result<nlohmann::json> decode_page_cursor(std::string_view token, std::string_view shape);

// `{"items": items, "next_cursor": token or null}`.
nlohmann::json page_json(nlohmann::json items, const std::string& next_cursor);

}  // namespace cf
