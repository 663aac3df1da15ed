#include "daemon/credential_filter.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <system_error>

#include "common/crypto.h"
#include "common/log.h"
#include "daemon/daemon_metrics.h"
#include "store/kept_connection.h"

namespace cf::daemon {

namespace {

constexpr int kReconnectWaitMs = 1000;

// Sets `notified` when PostgreSQL delivers a notification on the credentials channel.
class CredentialsChanged final : public pqxx::notification_receiver {
 public:
  CredentialsChanged(pqxx::connection& connection, bool& notified)
      : notification_receiver(connection, store::kCredentialsChannel), notified_(notified) {}
  void operator()(const std::string&, int) override { notified_ = true; }

 private:
  bool& notified_;
};

}  // namespace

CredentialFilter::CredentialFilter(Options options) : options_(std::move(options)) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

CredentialFilter::~CredentialFilter() {
  stop();
  close(wake_fd_);
}

void CredentialFilter::start() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
  reloaded_.wait_for(lock, options_.start_wait, [this] { return finished_ > 0; });
}

void CredentialFilter::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  reloaded_.notify_all();
  wake();
  thread_.join();
}

CredentialFilter::Match CredentialFilter::rule_token(const std::string& token) {
  return find(Credential::rule_token, token);
}

CredentialFilter::Match CredentialFilter::api_key(const std::string& api_key) {
  return find(Credential::api_key, api_key);
}

std::optional<CredentialFilter::Match> CredentialFilter::holder(Credential credential, const std::string& hash) const {
  if (!hashes_) return std::nullopt;
  const auto& table = credential == Credential::rule_token ? hashes_->rule_tokens : hashes_->api_keys;
  const auto found = table.find(hash);
  if (found == table.end()) return std::nullopt;
  return Match{Verdict::known, found->second, hashes_->suspended.count(found->second) > 0};
}

CredentialFilter::Match CredentialFilter::find(Credential credential, const std::string& secret) {
  const std::string hash = crypto::sha256(secret);
  std::unique_lock<std::mutex> lock(mutex_);
  if (auto known = holder(credential, hash)) return std::move(*known);
  if (reload_after_miss(lock)) {
    if (auto known = holder(credential, hash)) return std::move(*known);
  }
  if (!current_) return {Verdict::unavailable, {}};
  DaemonMetrics::process_wide().credential_refused(credential == Credential::rule_token ? "rule_token" : "api_key");
  return {Verdict::unknown, {}};
}

bool CredentialFilter::reload_after_miss(std::unique_lock<std::mutex>& lock) {
  const auto now = std::chrono::steady_clock::now();
  // Unreachable at the last try: the thread is reconnecting already, and reloads once it can.
  if (stopping_ || !thread_.joinable() || !current_) return false;
  if (last_miss_reload_ && now - *last_miss_reload_ < options_.miss_reload_interval) return false;
  last_miss_reload_ = now;
  // A reload already under way may have read the table before this credential was made: wait
  // for one that begins after now.
  const std::uint64_t wanted = started_ + 1;
  reload_wanted_ = true;
  wake();
  return reloaded_.wait_for(lock, options_.reload_wait, [&] { return finished_ >= wanted || stopping_; }) &&
         !stopping_ && current_;
}

void CredentialFilter::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = write(wake_fd_, &one, sizeof one);
}

void CredentialFilter::wait_for_wake(int timeout_ms) {
  pollfd wait{wake_fd_, POLLIN, 0};
  poll(&wait, 1, timeout_ms);
  std::uint64_t drained = 0;
  [[maybe_unused]] const auto read_back = read(wake_fd_, &drained, sizeof drained);
}

void CredentialFilter::run() {
  std::unique_ptr<CredentialsChanged> receiver;  // declared before the connection it listens on
  bool notified = false;
  bool fresh = false;  // connected since the last reload: notifications may have been missed
  store::KeptConnection::Options listening;
  listening.max_retry = std::chrono::milliseconds(kReconnectWaitMs);
  listening.opened = [&](pqxx::connection& opened) {
    receiver = std::make_unique<CredentialsChanged>(opened, notified);
    fresh = true;
  };
  listening.closing = [&] { receiver.reset(); };
  store::KeptConnection kept(options_.database_url, "credentials", std::move(listening));
  for (;;) {
    bool wanted = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      wanted = reload_wanted_;
    }
    auto connection = kept.get();
    if (!connection) {
      // Unreachable: whoever waits for a reload hears so now, and we try again shortly.
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (reload_wanted_ || finished_ == 0) {
          reload_wanted_ = false;
          ++started_;
          ++finished_;
          current_ = false;
        }
      }
      reloaded_.notify_all();
      wait_for_wake(static_cast<int>(std::max<long long>(1, kept.until_retry().count())));
      continue;
    }
    try {
      (*connection)->get_notifs();  // hands what libpq already holds to the receiver
      if (fresh || notified || wanted) {
        const char* trigger = fresh ? "start" : notified ? "notify" : "miss";
        {
          std::lock_guard<std::mutex> lock(mutex_);
          reload_wanted_ = false;
          ++started_;
        }
        fresh = notified = false;
        auto hashes = store::TenantStore(**connection).credential_hashes();
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (hashes) hashes_ = std::make_shared<const store::CredentialHashes>(std::move(*hashes));
          current_ = hashes.ok();
          ++finished_;
        }
        reloaded_.notify_all();
        DaemonMetrics::process_wide().credentials_reloaded(trigger);
        if (!hashes) throw std::runtime_error(hashes.error().message);
        continue;  // notifications may have come in meanwhile
      }
      pollfd waits[2] = {{(*connection)->sock(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      poll(waits, 2, -1);
      if (waits[1].revents != 0) wait_for_wake(0);
    } catch (const std::exception& e) {
      log::warn("credential filter lost its database connection; reconnecting", {{"error", e.what()}});
      if (!kept.failed(e)) kept.close();  // listen again on a new connection all the same
    }
  }
}

}  // namespace cf::daemon
