#include "daemon/admin_session.h"

#include "common/crypto.h"

namespace cf::daemon::admin_session {

namespace {
std::string signature(const std::string& admin_token, const std::string& what) {
  return crypto::to_hex(crypto::hmac_sha256(admin_token, what));
}
}  // namespace

std::string issue(const std::string& admin_token, std::int64_t now_seconds) {
  const std::string expiry = std::to_string(now_seconds + kLifetimeSeconds);
  return "v1." + expiry + "." + signature(admin_token, "session." + expiry);
}

bool valid(const std::string& cookie, const std::string& admin_token, std::int64_t now_seconds) {
  if (admin_token.empty() || cookie.rfind("v1.", 0) != 0) return false;
  const auto dot = cookie.find('.', 3);
  if (dot == std::string::npos) return false;
  const std::string expiry = cookie.substr(3, dot - 3);
  if (expiry.empty() || expiry.size() > 12 || expiry.find_first_not_of("0123456789") != std::string::npos) return false;
  const bool authentic = crypto::constant_time_equals(cookie.substr(dot + 1), signature(admin_token, "session." + expiry));
  return authentic && std::stoll(expiry) > now_seconds;
}

std::string csrf_token(const std::string& cookie, const std::string& admin_token) {
  return signature(admin_token, "csrf." + cookie);
}

}  // namespace cf::daemon::admin_session
