#include "relay/systeme_answer.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "common/email.h"

namespace cf::relay {

using nlohmann::json;

json ApiResponse::json() const {
  if (too_deep) return nullptr;
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json() : parsed;
}

bool succeeded(const ApiResponse& response) {
  return response.status >= 200 && response.status < 300 && !response.too_deep;
}

bool is_already_used(const ApiResponse& response) {
  return response.status == 422 && !response.too_deep && response.body.find("already used") != std::string::npos;
}

std::optional<int> retry_after_of(std::string_view header_line) {
  std::string lower(header_line);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower.rfind("retry-after:", 0) != 0) return std::nullopt;
  const int seconds = std::atoi(std::string(header_line.substr(12)).c_str());
  return seconds >= 0 ? std::optional<int>(seconds) : std::nullopt;
}

std::optional<long long> integer_field(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto found = object.find(key);
  if (found == object.end() || !found->is_number_integer()) return std::nullopt;
  return found->get<long long>();
}

std::optional<std::string> string_field(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

std::optional<SearchPage> search_page(const json& body) {
  if (body.is_array()) return SearchPage{&body, false};
  if (!body.is_object()) return std::nullopt;
  const auto items = body.find("items");
  if (items == body.end() || !items->is_array()) return std::nullopt;
  const auto more = body.find("hasMore");
  if (more != body.end() && !more->is_boolean()) return std::nullopt;
  return SearchPage{&*items, more != body.end() && more->get<bool>()};
}

const json* contact_with_email(const json& body, const std::string& email) {
  if (!body.is_object() || !body.contains("items") || !body["items"].is_array()) return nullptr;
  const std::string wanted = Email::normalize(email);
  for (const json& contact : body["items"]) {
    if (contact.is_object() && contact.contains("email") && contact["email"].is_string() &&
        Email::normalize(contact["email"].get<std::string>()) == wanted) {
      return &contact;
    }
  }
  return nullptr;
}

}  // namespace cf::relay
