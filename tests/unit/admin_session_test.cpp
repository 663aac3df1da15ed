// The admin session cookie: it names the generation it was issued in, holds only with the admin
// token that signed it and until it expires, cannot be altered (generation, expiry) without
// breaking its signature, and every sign-in gets a cookie and CSRF token of its own.
#define BOOST_TEST_MODULE admin_session
#include <boost/test/unit_test.hpp>

#include <string>

#include "daemon/admin_session.h"

namespace session = cf::daemon::admin_session;

namespace {
const std::string kToken = "admin-token-0123456789-abcdefghijklmnop";
constexpr std::int64_t kNow = 1'800'000'000;
}  // namespace

BOOST_AUTO_TEST_CASE(a_cookie_names_its_generation_until_it_expires) {
  const std::string cookie = session::issue(kToken, 7, kNow);
  BOOST_TEST(session::generation_of(cookie, kToken, kNow).value_or(0) == 7);
  BOOST_TEST(session::generation_of(cookie, kToken, kNow + session::kLifetimeSeconds - 1).value_or(0) == 7);
  BOOST_TEST(!session::generation_of(cookie, kToken, kNow + session::kLifetimeSeconds));
  BOOST_TEST(!session::generation_of(cookie, kToken + "x", kNow));  // another (rotated) admin token
  BOOST_TEST(!session::generation_of(cookie, "", kNow));
}

BOOST_AUTO_TEST_CASE(an_altered_cookie_is_refused) {
  const std::string cookie = session::issue(kToken, 7, kNow);  // v2.7.<expiry>.<random>.<signature>
  std::string newer = cookie;
  newer[3] = '8';  // claims a later generation
  BOOST_TEST(!session::generation_of(newer, kToken, kNow));
  std::string longer = cookie;
  longer.replace(5, 1, std::to_string(cookie[5] == '9' ? 1 : cookie[5] - '0' + 1));  // a later expiry
  BOOST_TEST(!session::generation_of(longer, kToken, kNow));
  for (const std::string& junk : {std::string(), std::string("v2."), std::string("v2.7"), std::string("v2.7.1.2.3"),
                                  std::string("v1.9999999999.") + std::string(64, '0'), cookie.substr(0, cookie.size() - 1),
                                  std::string("v2.-7.") + cookie.substr(5)}) {
    BOOST_TEST(!session::generation_of(junk, kToken, kNow), junk);
  }
}

BOOST_AUTO_TEST_CASE(every_sign_in_has_its_own_cookie_and_csrf_token) {
  const std::string first = session::issue(kToken, 1, kNow);
  const std::string second = session::issue(kToken, 1, kNow);
  BOOST_TEST(first != second);
  BOOST_TEST(session::csrf_token(first, kToken) != session::csrf_token(second, kToken));
  BOOST_TEST(session::csrf_token(first, kToken) == session::csrf_token(first, kToken));
}
