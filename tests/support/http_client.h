// A minimal blocking HTTP client for tests (libcurl): one request, status and body back.
#pragma once

#include <map>
#include <string>

namespace cf::testing {

struct HttpResponse {
  long status = 0;  // 0 when the connection failed
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

HttpResponse http_request(const std::string& method, const std::string& url, const std::string& body = "",
                          const std::map<std::string, std::string>& headers = {});
inline HttpResponse http_get(const std::string& url) { return http_request("GET", url); }

// `text` percent-encoded for a URL path segment or query value (libcurl's escaping).
std::string url_encode(const std::string& text);

// A call to the daemon's JSON APIs: Content-Type application/json, and `Authorization: Bearer
// <bearer>` unless `bearer` is empty.
HttpResponse api_request(const std::string& method, const std::string& url, const std::string& bearer,
                         const std::string& body = "");

}  // namespace cf::testing
