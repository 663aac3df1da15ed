// AdminSession: the admin page's sign-in without server-side state. The session cookie carries
// its expiry and an HMAC of it keyed by the admin token, so every daemon sharing the token
// accepts it and changing the token signs everyone out. The CSRF token the page's actions send
// back is an HMAC of the cookie, so a request from another site can neither read nor forge it.
// Pure functions of their arguments.
#pragma once

#include <cstdint>
#include <string>

namespace cf::daemon::admin_session {

inline constexpr const char* kCookieName = "cf_admin";
inline constexpr std::int64_t kLifetimeSeconds = 8 * 3600;

// A cookie value valid until now + kLifetimeSeconds.
std::string issue(const std::string& admin_token, std::int64_t now_seconds);

// Whether `cookie` was issued with this admin token and has not expired (constant-time check).
bool valid(const std::string& cookie, const std::string& admin_token, std::int64_t now_seconds);

// The CSRF token that goes with a session cookie.
std::string csrf_token(const std::string& cookie, const std::string& admin_token);

}  // namespace cf::daemon::admin_session
