// `clientflow-relay check-ready`: waits until the daemon configured in a config file answers
// GET /readyz with 200 on its http.listen address, for service managers (the systemd unit's
// ExecStartPost) that must not report a start before the daemon takes webhooks.
#include <curl/curl.h>

#include <chrono>
#include <ostream>
#include <thread>

#include "config/config.h"
#include "daemon/commands.h"

namespace cf::daemon {

namespace {

// The URL of /readyz on `listen`, as a client on this host reaches it: a wildcard address is
// reached on loopback, and an IPv6 literal is written in brackets.
std::string readyz_url(const ListenAddress& listen) {
  std::string host = listen.host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::" || host == "[::]") host = "::1";
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(listen.port) + "/readyz";
}

// One GET: the HTTP status, or 0 when nothing answered (curl's reason in `error`).
long probe(const std::string& url, std::string& error) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return 0;
  char reason[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOBODY, 0L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, reason);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char*, size_t size, size_t count, void*) { return size * count; });
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  } else {
    error = reason;
  }
  curl_easy_cleanup(curl);
  return status;
}

}  // namespace

int check_ready(const std::string& config_path, int timeout_seconds, std::ostream& out) {
  auto config = load_config(config_path);
  if (!config) return report_error(config.error());
  if (config->http.listen.port == 0) {
    return report_error(invalid_input("http.listen: port 0 (any free port) cannot be checked from outside"));
  }
  const std::string url = readyz_url(config->http.listen);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  long status = 0;
  std::string error;
  for (;;) {
    error.clear();
    status = probe(url, error);
    if (status == 200) {
      out << "ready: " << url << '\n';
      return kExitOk;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return report_error(unavailable("not ready after " + std::to_string(timeout_seconds) + " s: " + url + " " +
                                  (status != 0 ? "answered " + std::to_string(status) : error)));
}

}  // namespace cf::daemon
