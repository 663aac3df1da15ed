#include "daemon/admin_session.h"

#include "common/crypto.h"

namespace cf::daemon::admin_session {

namespace {

std::string signature(const std::string& admin_token, const std::string& what) {
  return crypto::to_hex(crypto::hmac_sha256(admin_token, what));
}

// A run of 1 to 18 decimal digits (fits a long long).
bool is_number(const std::string& text) {
  return !text.empty() && text.size() <= 18 && text.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

// "v2.<generation>.<expiry>.<random>.<signature of the three>": the random part makes each
// sign-in's cookie, and so its CSRF token, its own.
std::string issue(const std::string& admin_token, long long generation, std::int64_t now_seconds) {
  const std::string claims = std::to_string(generation) + "." + std::to_string(now_seconds + kLifetimeSeconds) + "." +
                             crypto::to_hex(crypto::random_bytes(8));
  return "v2." + claims + "." + signature(admin_token, "session." + claims);
}

std::optional<long long> generation_of(const std::string& cookie, const std::string& admin_token,
                                       std::int64_t now_seconds) {
  if (admin_token.empty() || cookie.rfind("v2.", 0) != 0 || cookie.size() > 200) return std::nullopt;
  const auto generation_end = cookie.find('.', 3);
  const auto expiry_end = generation_end == std::string::npos ? generation_end : cookie.find('.', generation_end + 1);
  const auto claims_end = expiry_end == std::string::npos ? expiry_end : cookie.find('.', expiry_end + 1);
  if (claims_end == std::string::npos) return std::nullopt;
  const std::string generation = cookie.substr(3, generation_end - 3);
  const std::string expiry = cookie.substr(generation_end + 1, expiry_end - generation_end - 1);
  if (!is_number(generation) || !is_number(expiry)) return std::nullopt;
  const std::string claims = cookie.substr(3, claims_end - 3);
  const bool authentic =
      crypto::constant_time_equals(cookie.substr(claims_end + 1), signature(admin_token, "session." + claims));
  if (!authentic || std::stoll(expiry) <= now_seconds) return std::nullopt;
  return std::stoll(generation);
}

std::string csrf_token(const std::string& cookie, const std::string& admin_token) {
  return signature(admin_token, "csrf." + cookie);
}

}  // namespace cf::daemon::admin_session
