// SystemeClient: the calls ClientFlow makes to the Systeme.io public API (shared/systeme-io.md,
// section 3), over libcurl with connect and total timeouts, paced by a RateLimiter shared by the
// daemon. Each call returns an ApiResponse (status 0 when the network failed) and never throws
// for HTTP outcomes: the caller decides what is final. One client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/secret.h"

namespace cf::relay {

// A token bucket: `per_second` requests on average, bursts of at most `burst`. wait() blocks
// until a request may go. Safe from any thread.
class RateLimiter {
 public:
  RateLimiter(double per_second, double burst);
  void wait();
  void set_rate(double per_second, double burst);  // takes effect for the next wait()

 private:
  std::mutex mutex_;
  double per_second_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

struct ApiResponse {
  long status = 0;          // 0: no answer (connection refused, timeout)
  std::string body;
  std::optional<int> retry_after_seconds;
  std::string error;        // curl's reason when status is 0
  bool too_deep = false;    // the body nests deeper than the client's limit: never parsed
  nlohmann::json json() const;  // the body parsed, or null (always null when too_deep)
};

// "422 ... already used": the thing exists already, which counts as done.
bool is_already_used(const ApiResponse& response);

class SystemeClient {
 public:
  // An answer nesting arrays and objects deeper than `max_json_depth` (http.max_json_depth) is
  // marked too_deep, counted, and never parsed.
  SystemeClient(std::string api_base, Secret api_key, RateLimiter& limiter,
                std::chrono::milliseconds timeout = std::chrono::seconds(10), int max_json_depth = 64);
  ~SystemeClient();
  SystemeClient(const SystemeClient&) = delete;
  SystemeClient& operator=(const SystemeClient&) = delete;

  void set_api_key(Secret api_key) { api_key_ = std::move(api_key); }  // from the next call on

  ApiResponse list_contact_fields();
  ApiResponse create_contact_field(const std::string& slug, const std::string& name);
  ApiResponse find_contact(const std::string& email);
  // One page of every contact, ascending by id: `limit` (10..100) contacts after `starting_after`
  // (0 for the first page); the answer is {"items": [...], "hasMore": bool}.
  ApiResponse list_contacts(long long starting_after, int limit);
  ApiResponse create_contact(const nlohmann::json& contact);
  ApiResponse update_contact_fields(long long contact_id, const nlohmann::json& fields);
  // One page of the tags whose names hold `query`: `kTagPageSize` tags after `starting_after` (0
  // for the first page); the answer is {"items": [...], "hasMore": bool}.
  static constexpr int kTagPageSize = 100;
  ApiResponse find_tags(const std::string& query, long long starting_after = 0);
  ApiResponse create_tag(const std::string& name);
  ApiResponse assign_tag(long long contact_id, long long tag_id);

 private:
  ApiResponse call(const std::string& method, const std::string& path, const std::string& body = {},
                   const std::string& content_type = "application/json");
  std::string api_base_;
  Secret api_key_;
  RateLimiter& limiter_;
  std::chrono::milliseconds timeout_;
  int max_json_depth_;
  void* curl_;  // CURL*, reused for keep-alive
};

}  // namespace cf::relay
