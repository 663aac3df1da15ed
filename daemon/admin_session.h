// AdminSession: the admin page's sign-in. The session cookie carries the session generation it
// was issued in, its expiry and an HMAC of both keyed by the admin token, so any daemon sharing
// the token checks it without a database round trip, and changing the token signs everyone out.
// The generation binds it to the server side: a request that does database work confirms that the
// generation is still current (store/admin_sessions.h), so ending every session (moving the
// generation on) refuses every older cookie on every daemon at its next request. The CSRF token
// the page's actions send back is an HMAC of the cookie, so a request from another site can
// neither read nor forge it. issue() adds 64 random bits, so every sign-in has a cookie and CSRF
// token of its own; the rest are pure functions of their arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cf::daemon::admin_session {

inline constexpr const char* kCookieName = "cf_admin";
inline constexpr std::int64_t kLifetimeSeconds = 8 * 3600;

// A cookie value of session generation `generation`, valid until now + kLifetimeSeconds.
std::string issue(const std::string& admin_token, long long generation, std::int64_t now_seconds);

// The generation `cookie` names when it was issued with this admin token and has not expired
// (constant-time check); nullopt otherwise. Whether that generation is still current is the
// caller's to confirm.
std::optional<long long> generation_of(const std::string& cookie, const std::string& admin_token,
                                       std::int64_t now_seconds);

// The CSRF token that goes with a session cookie.
std::string csrf_token(const std::string& cookie, const std::string& admin_token);

}  // namespace cf::daemon::admin_session
