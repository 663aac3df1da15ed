#include "common/page_cursor.h"

#include <array>

namespace cf {

using nlohmann::json;

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kMaxToken = 512;  // a cursor is a few keys; anything longer is not ours

std::string base64url(std::string_view bytes) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    if (rest == 2) out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const auto at = kAlphabet.find(c);
    if (at == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

bool all_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

Result<int> parse_page_limit(const std::optional<std::string>& text, PageLimits limits) {
  if (!text) return limits.fallback;
  const std::string message = "limit must be a whole number from 1 to " + std::to_string(limits.max);
  if (!all_digits(*text) || text->size() > 6) return invalid_input(message);
  const int value = std::stoi(*text);
  if (value < 1 || value > limits.max) return invalid_input(message);
  return value;
}

std::string encode_page_cursor(const json& key) { return base64url(key.dump()); }

Result<json> decode_page_cursor(std::string_view token, std::string_view shape) {
  const Error bad = invalid_input("cursor is not one this API gave");
  if (token.empty() || token.size() > kMaxToken) return bad;
  const auto text = from_base64url(token);
  if (!text) return bad;
  auto key = json::parse(*text, nullptr, false);
  if (!key.is_array() || key.size() != shape.size()) return bad;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const bool fits = shape[i] == 'i' ? key[i].is_number_integer() : key[i].is_string();
    if (!fits) return bad;
  }
  return key;
}

json page_json(json items, const std::string& next_cursor) {
  return {{"items", std::move(items)}, {"next_cursor", next_cursor.empty() ? json(nullptr) : json(next_cursor)}};
}

}  // namespace cf
