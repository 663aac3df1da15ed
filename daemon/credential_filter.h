// CredentialFilter: the SHA-256 of every tenant's rule token and API key, held in memory so that
// a request carrying one no tenant holds is refused (401) before it costs a database round trip
// or a place in a queue. A known credential only means "a tenant held this a moment ago": the
// caller still confirms it in the database (IngestStore for rule tokens, TenantStore for API
// keys), so a key rotated a moment ago is refused there.
//
// The hashes, and which tenants are suspended, come from the tenants table. start() loads them; a thread of the filter's own, on
// one connection of its own (outside database.pool_size), LISTENs on clientflow_credentials
// (migration 007) and reloads whenever a tenant is added, re-keyed, suspended, resumed or removed
// by any daemon or CLI (migration 012), so a suspension is known without a query per request. A miss also asks for a reload, at most once a second and one at a time, and waits for it
// (at most Options::reload_wait), so a credential made a moment ago works at once even if its
// notification has not arrived yet; other misses in that second are answered from memory. When
// the database cannot be reached, a miss is `unavailable` at once (the caller answers 503),
// never `unknown`, known credentials are still recognised, and the thread reconnects and
// reloads by itself (store::KeptConnection, component "credentials").
//
// Every public function is safe from any thread; start() and stop() belong to the owning thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "config/secret.h"
#include "store/tenants.h"

namespace cf::daemon {

class CredentialFilter {
 public:
  struct Options {
    Secret database_url;
    std::chrono::milliseconds miss_reload_interval{1000};  // at most one reload per miss in this time
    std::chrono::milliseconds reload_wait{500};            // how long a miss waits for its reload
    std::chrono::milliseconds start_wait{5000};            // how long start() waits for the first load
  };
  enum class Verdict {
    known,        // a tenant holds it (confirm in the database before trusting it)
    unknown,      // no tenant holds it, as of a reload that succeeded: answer 401
    unavailable,  // the hashes could not be (re)loaded: answer 503
  };
  struct Match {
    Verdict verdict = Verdict::unknown;
    std::string tenant_id;   // when known
    bool suspended = false;  // when known: the tenant is suspended (its API keys get 403)
  };

  explicit CredentialFilter(Options options);
  ~CredentialFilter();
  CredentialFilter(const CredentialFilter&) = delete;
  CredentialFilter& operator=(const CredentialFilter&) = delete;

  // Starts listening and waits (at most start_wait) for the first load.
  void start();
  // Stops listening and joins the thread; later misses are answered from memory.
  void stop();

  Match rule_token(const std::string& token);
  Match api_key(const std::string& api_key);

 private:
  enum class Credential { rule_token, api_key };
  Match find(Credential credential, const std::string& secret);
  // The tenant holding `hash` in the current hashes (known), if any. Called with mutex_ held.
  std::optional<Match> holder(Credential credential, const std::string& hash) const;
  // Asks the thread for a reload that begins after now and waits for it; false when none was
  // made (rate limit, database unreachable, stopping). Called with mutex_ held in `lock`.
  bool reload_after_miss(std::unique_lock<std::mutex>& lock);
  void run();
  void wake();
  // Waits at most `timeout_ms` for wake(), then clears it.
  void wait_for_wake(int timeout_ms);

  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable reloaded_;
  std::shared_ptr<const store::CredentialHashes> hashes_;  // null until the first load
  bool current_ = false;           // the last reload succeeded
  std::uint64_t started_ = 0;      // reloads begun, and ...
  std::uint64_t finished_ = 0;     // ... ended (succeeded or not)
  bool reload_wanted_ = false;     // a miss asked for one
  bool stopping_ = false;
  std::optional<std::chrono::steady_clock::time_point> last_miss_reload_;
  int wake_fd_ = -1;               // an eventfd that interrupts the thread's wait
  std::thread thread_;
};

}  // namespace cf::daemon
