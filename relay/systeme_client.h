// SystemeClient: the calls ClientFlow makes to the Systeme.io public API (shared/systeme-io.md,
// section 3), over libcurl with connect and total timeouts, paced by a RateLimiter shared by the
// daemon. Each call returns an ApiResponse (relay/systeme_answer.h; status 0 when the network
// failed), counted in RelayMetrics, and never throws for HTTP outcomes: the caller decides what is
// final. One client per thread.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "config/secret.h"
#include "relay/rate_limiter.h"
#include "relay/relay_metrics.h"
#include "relay/systeme_answer.h"

namespace cf::relay {

class SystemeClient {
 public:
  // An answer nesting arrays and objects deeper than `max_json_depth` (http.max_json_depth) is
  // marked too_deep, counted, and never parsed. Calls are counted in `metrics`.
  SystemeClient(std::string api_base, Secret api_key, RateLimiter& limiter,
                std::chrono::milliseconds timeout = std::chrono::seconds(10), int max_json_depth = 64,
                RelayMetrics& metrics = RelayMetrics::process_wide());
  ~SystemeClient();
  SystemeClient(const SystemeClient&) = delete;
  SystemeClient& operator=(const SystemeClient&) = delete;

  void set_api_key(Secret api_key) { api_key_ = std::move(api_key); }  // from the next call on
  RelayMetrics& metrics() const { return metrics_; }

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
  // Erasure (store/erasure.h): one contact with its tags and fields, a tag taken off it, the
  // contact deleted.
  ApiResponse get_contact(long long contact_id);
  ApiResponse remove_tag(long long contact_id, long long tag_id);
  ApiResponse delete_contact(long long contact_id);

 private:
  ApiResponse call(const std::string& method, const std::string& path, const std::string& body = {},
                   const std::string& content_type = "application/json");
  std::string api_base_;
  Secret api_key_;
  RateLimiter& limiter_;
  std::chrono::milliseconds timeout_;
  int max_json_depth_;
  RelayMetrics& metrics_;
  void* curl_;  // CURL*, reused for keep-alive
};

}  // namespace cf::relay
