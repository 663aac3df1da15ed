#include "daemon/admin_browser.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/text.h"
#include "daemon/admin_page.h"
#include "daemon/admin_session.h"
#include "daemon/page_headers.h"

namespace cf::daemon {

using namespace Pistache;

void send_page(Http::ResponseWriter& response, const ReplyContext& context, Http::Code code, const std::string& html,
               const std::string& nonce) {
  response.headers().add<ContentSecurityPolicy>(page_policy(nonce));
  response.headers().add<ContentTypeOptions>("nosniff");
  response.headers().add<ReferrerPolicy>("no-referrer");
  response.headers().add<Http::Header::CacheControl>(Http::CacheDirective::NoStore);
  send_text(response, context, code, html, "text/html; charset=utf-8");
}

std::string new_nonce() { return crypto::to_hex(crypto::random_bytes(16)); }

std::string form_field(const std::string& body, const std::string& name) {
  std::size_t start = 0;
  while (start <= body.size()) {
    const std::size_t end = std::min(body.find('&', start), body.size());
    const std::string pair = body.substr(start, end - start);
    const auto eq = pair.find('=');
    if (eq != std::string::npos && pair.substr(0, eq) == name) {
      std::string value = pair.substr(eq + 1);
      std::replace(value.begin(), value.end(), '+', ' ');
      return url_decode(value);
    }
    start = end + 1;
  }
  return {};
}

void set_session_cookie(Http::ResponseWriter& response, const std::string& value, bool secure) {
  Http::Cookie cookie(admin_session::kCookieName, value);
  cookie.path = "/admin";
  cookie.httpOnly = true;
  cookie.secure = secure;
  cookie.maxAge = value.empty() ? 0 : static_cast<int>(admin_session::kLifetimeSeconds);
  cookie.ext["SameSite"] = "Strict";
  response.cookies().add(cookie);
}

void redirect_to_report(Http::ResponseWriter& response, const ReplyContext& context) {
  response.headers().add<Http::Header::Location>("/admin/report");
  send_text(response, context, Http::Code::See_Other, "", "text/plain");
}

}  // namespace cf::daemon
