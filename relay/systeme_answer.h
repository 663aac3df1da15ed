// Systeme.io's answers and how the relay reads them: ApiResponse (one call's outcome as the
// client got it) and pure functions over it and its JSON body that never throw, whatever the
// answer held (nlohmann's value() and operator[] throw on a value of another type).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cf::relay {

struct ApiResponse {
  long status = 0;          // 0: no answer (connection refused, timeout)
  std::string body;
  std::optional<int> retry_after_seconds;
  std::string error;        // curl's reason when status is 0
  bool too_deep = false;    // the body nests deeper than the client's limit: never parsed
  nlohmann::json json() const;  // the body parsed, or null (always null when too_deep)
};

// A 2xx whose body was not refused for nesting too deeply.
bool succeeded(const ApiResponse& response);

// "422 ... already used": the thing exists already, which counts as done.
bool is_already_used(const ApiResponse& response);

// The seconds of a "Retry-After: N" header line (any case, N >= 0); nullopt for any other line.
std::optional<int> retry_after_of(std::string_view header_line);

// `object[key]` when `object` is an object whose `key` holds an integer; nullopt otherwise.
std::optional<long long> integer_field(const nlohmann::json& object, const char* key);

// `object[key]` when `object` is an object whose `key` holds a string; nullopt otherwise.
std::optional<std::string> string_field(const nlohmann::json& object, const char* key);

// One page of a search answer: {"items": [...], "hasMore": bool} (hasMore may be missing: no more),
// or a bare array (the whole answer). `items` points into the body searched.
struct SearchPage {
  const nlohmann::json* items;
  bool more;
};
// The page `body` holds; nullopt for any other shape.
std::optional<SearchPage> search_page(const nlohmann::json& body);

// The contact in a search answer ({"items": [...]}) whose email is `email` once both are
// normalised as ours are (Email::normalize); null when none is, near matches included.
const nlohmann::json* contact_with_email(const nlohmann::json& body, const std::string& email);

}  // namespace cf::relay
