// What the admin API answers a browser with, apart from JSON: an HTML page with the headers that
// keep it to itself, the session cookie, the redirect back to the report, and the fields of the
// sign-in and sign-out forms. Stateless functions, safe from any thread on a ResponseWriter the
// caller owns.
#pragma once

#include <string>

#include <pistache/http.h>

#include "daemon/http_reply.h"

namespace cf::daemon {

// Sends `html` with `code` and its CSP nonce, no sniffing, no referrer, no cache.
void send_page(Pistache::Http::ResponseWriter& response, const ReplyContext& context, Pistache::Http::Code code,
               const std::string& html, const std::string& nonce);

// A fresh nonce for one page's inline style and script.
std::string new_nonce();

// The value of `name` in an application/x-www-form-urlencoded body; empty when absent.
std::string form_field(const std::string& body, const std::string& name);

// Sets the admin session cookie to `value` (Secure when `secure`); an empty value clears it.
void set_session_cookie(Pistache::Http::ResponseWriter& response, const std::string& value, bool secure);

// 303 to /admin/report.
void redirect_to_report(Pistache::Http::ResponseWriter& response, const ReplyContext& context);

}  // namespace cf::daemon
