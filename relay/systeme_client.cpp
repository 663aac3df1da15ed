#include "relay/systeme_client.h"

#include <curl/curl.h>

#include <algorithm>

#include "common/json_depth.h"

namespace cf::relay {

namespace {

size_t append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

size_t header_line(char* data, size_t size, size_t count, void* out) {
  if (const auto seconds = retry_after_of(std::string_view(data, size * count))) {
    static_cast<ApiResponse*>(out)->retry_after_seconds = seconds;
  }
  return size * count;
}

std::string escape_query(CURL* curl, const std::string& value) {
  char* escaped = curl_easy_escape(curl, value.c_str(), static_cast<int>(value.size()));
  std::string out = escaped == nullptr ? std::string() : escaped;
  curl_free(escaped);
  return out;
}

}  // namespace

SystemeClient::SystemeClient(std::string api_base, Secret api_key, RateLimiter& limiter, std::chrono::milliseconds timeout,
                             int max_json_depth, RelayMetrics& metrics)
    : api_base_(std::move(api_base)), api_key_(std::move(api_key)), limiter_(limiter), timeout_(timeout),
      max_json_depth_(max_json_depth), metrics_(metrics), curl_(curl_easy_init()) {}

SystemeClient::~SystemeClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

ApiResponse SystemeClient::call(const std::string& method, const std::string& path, const std::string& body,
                                const std::string& content_type) {
  limiter_.wait();
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  ApiResponse response;
  const std::string url = api_base_ + path;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("X-API-Key: " + api_key_.reveal()).c_str());
  headers = curl_slist_append(headers, "Accept: application/json");
  if (!body.empty()) headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_line);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min<long>(5000L, static_cast<long>(timeout_.count())));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "clientflow-relay");
  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  } else {
    response.error = curl_easy_strerror(code);
  }
  curl_slist_free_all(headers);
  const std::string endpoint = metrics::endpoint_of(method, path);
  metrics_.api_call(endpoint, response.status);
  if (!json_depth_within(response.body, max_json_depth_)) {
    response.too_deep = true;
    metrics_.answer_too_deep(endpoint);
  }
  return response;
}

ApiResponse SystemeClient::list_contact_fields() { return call("GET", "/contact_fields"); }

ApiResponse SystemeClient::create_contact_field(const std::string& slug, const std::string& name) {
  // Sources disagree on the body ({"name","slug"} or {"fieldName","slug"}): send both names.
  return call("POST", "/contact_fields", nlohmann::json{{"slug", slug}, {"name", name}, {"fieldName", name}}.dump());
}

ApiResponse SystemeClient::find_contact(const std::string& email) {
  return call("GET", "/contacts?email=" + escape_query(static_cast<CURL*>(curl_), email) + "&limit=10");
}

ApiResponse SystemeClient::list_contacts(long long starting_after, int limit) {
  std::string path = "/contacts?order=asc&limit=" + std::to_string(limit);
  if (starting_after > 0) path += "&startingAfter=" + std::to_string(starting_after);
  return call("GET", path);
}

ApiResponse SystemeClient::create_contact(const nlohmann::json& contact) { return call("POST", "/contacts", contact.dump()); }

ApiResponse SystemeClient::update_contact_fields(long long contact_id, const nlohmann::json& fields) {
  return call("PATCH", "/contacts/" + std::to_string(contact_id), nlohmann::json{{"fields", fields}}.dump(),
              "application/merge-patch+json");
}

ApiResponse SystemeClient::find_tags(const std::string& query, long long starting_after) {
  std::string path = "/tags?query=" + escape_query(static_cast<CURL*>(curl_), query) + "&limit=" + std::to_string(kTagPageSize);
  if (starting_after > 0) path += "&startingAfter=" + std::to_string(starting_after);
  return call("GET", path);
}

ApiResponse SystemeClient::create_tag(const std::string& name) {
  return call("POST", "/tags", nlohmann::json{{"name", name}}.dump());
}

ApiResponse SystemeClient::assign_tag(long long contact_id, long long tag_id) {
  return call("POST", "/contacts/" + std::to_string(contact_id) + "/tags", nlohmann::json{{"tagId", tag_id}}.dump());
}

ApiResponse SystemeClient::get_contact(long long contact_id) { return call("GET", "/contacts/" + std::to_string(contact_id)); }

ApiResponse SystemeClient::remove_tag(long long contact_id, long long tag_id) {
  return call("DELETE", "/contacts/" + std::to_string(contact_id) + "/tags/" + std::to_string(tag_id));
}

ApiResponse SystemeClient::delete_contact(long long contact_id) {
  return call("DELETE", "/contacts/" + std::to_string(contact_id));
}

}  // namespace cf::relay
