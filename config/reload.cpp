#include "config/reload.h"

namespace cf {

std::vector<std::string> needing_restart(const Config& running, const Config& next) {
  std::vector<std::string> keys;
  const auto differs = [&](bool changed, const char* key) {
    if (changed) keys.emplace_back(key);
  };
  differs(running.http.listen.str() != next.http.listen.str(), "http.listen");
  differs(running.http.public_url != next.http.public_url, "http.public_url");
  differs(running.http.threads != next.http.threads, "http.threads");
  differs(running.http.max_body_bytes != next.http.max_body_bytes, "http.max_body_bytes");
  differs(running.http.max_pending != next.http.max_pending, "http.max_pending");
  differs(running.http.max_pending_bytes != next.http.max_pending_bytes, "http.max_pending_bytes");
  differs(running.http.max_json_depth != next.http.max_json_depth, "http.max_json_depth");
  differs(running.metrics.listen.str() != next.metrics.listen.str(), "metrics.listen");
  differs(running.database.url.reveal() != next.database.url.reveal(), "database.url");
  differs(running.database.pool_size != next.database.pool_size, "database.pool_size");
  differs(running.systeme.api_base != next.systeme.api_base, "systeme.api_base");
  differs(running.reconcile.interval_seconds != next.reconcile.interval_seconds, "reconcile.interval_seconds");
  differs(running.reconcile.full_interval_seconds != next.reconcile.full_interval_seconds,
          "reconcile.full_interval_seconds");
  differs(running.retention.raw_body_days != next.retention.raw_body_days, "retention.raw_body_days");
  differs(running.leads.duplicate_policy != next.leads.duplicate_policy, "leads.duplicate_policy");
  differs(running.leads.convert_on_sale != next.leads.convert_on_sale, "leads.convert_on_sale");
  differs(running.privacy.erasure_key.reveal() != next.privacy.erasure_key.reveal(), "privacy.erasure_key");
  differs(running.ingest.max_clock_skew_seconds != next.ingest.max_clock_skew_seconds, "ingest.max_clock_skew_seconds");
  return keys;
}

}  // namespace cf
