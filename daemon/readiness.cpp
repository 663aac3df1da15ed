#include "daemon/readiness.h"

#include <memory>

#include "common/log.h"
#include "store/database.h"
#include "store/migrations.h"
#include "store/tenant_scope.h"

namespace cf::daemon {

namespace {

// One check on a fresh or kept connection; "" when ready.
std::string verdict(std::unique_ptr<pqxx::connection>& connection, const Secret& url) {
  if (!connection || !connection->is_open()) {
    auto opened = store::connect(url);
    if (!opened) return opened.error().message;
    connection = std::move(*opened);
  }
  try {
    auto state = store::schema_state(*connection);
    if (!state) return state.error().message;
    if (!state->current()) {
      std::string names;
      for (const auto& name : state->pending) names += (names.empty() ? "" : ", ") + name;
      return "migrations pending: " + names + " (run `clientflow-relay migrate`)";
    }
    auto role = store::check_isolation(*connection);
    if (!role) return role.error().message;
    return "";
  } catch (const std::exception& e) {
    connection.reset();
    return std::string("database check failed: ") + e.what();
  }
}

}  // namespace

Readiness::Readiness(Secret database_url, std::chrono::milliseconds interval)
    : database_url_(std::move(database_url)), interval_(interval) {}

Readiness::~Readiness() { stop(); }

std::string Readiness::reason() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reason_;
}

void Readiness::start() {
  check_once();
  thread_ = std::thread([this] { run(); });
}

void Readiness::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Readiness::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    check_once();
    lock.lock();
  }
}

void Readiness::check_once() {
  const std::string why = verdict(connection_, database_url_);
  const bool now_ready = why.empty();
  const bool was_ready = ready_.exchange(now_ready);
  std::string previous;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    previous = reason_;
    reason_ = why;
  }
  if (now_ready && !was_ready) log::info("ready");
  if (!now_ready && (was_ready || previous != why)) log::warn("not ready", {{"reason", why}});
}

}  // namespace cf::daemon
