#include "daemon/readiness.h"

#include "common/log.h"
#include "store/migrations.h"
#include "store/tenant_scope.h"

namespace cf::daemon {

namespace {

struct Verdict {
  std::string reason;  // one of Readiness's fixed reasons; "" when ready
  std::string detail;  // for the log: host, role, which migration or policy
};

// One check on the kept connection (opened again first when lost); the schema's verdict also goes
// to `schema`.
Verdict verdict(store::KeptConnection& kept, SchemaGuard& schema) {
  auto connection = kept.get();
  if (!connection) return {Readiness::kUnreachable, connection.error().message};
  try {
    auto state = store::schema_state(**connection);
    if (!state) return {Readiness::kUnreachable, state.error().message};
    schema.record(*state);
    if (!state->pending.empty()) return {Readiness::kMigrationsPending, schema_difference(*state)};
    if (!state->unknown.empty()) return {Readiness::kSchemaNewer, schema_difference(*state)};
    auto role = store::check_isolation(**connection);
    if (!role) return {Readiness::kIsolationFailed, role.error().message};
    return {};
  } catch (const std::exception& e) {
    if (!kept.failed(e)) kept.close();  // the next check starts on a new connection, as after a loss
    return {Readiness::kUnreachable, std::string("database check failed: ") + e.what()};
  }
}

}  // namespace

Readiness::Readiness(Secret database_url, std::chrono::milliseconds interval, SchemaGuard& schema)
    : interval_(interval), schema_(schema), connection_(std::move(database_url), "readiness") {}

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
  const Verdict now = verdict(connection_, schema_);
  const bool now_ready = now.reason.empty();
  const bool was_ready = ready_.exchange(now_ready);
  std::string previous;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    previous = detail_;
    reason_ = now.reason;
    detail_ = now.detail;
  }
  if (now_ready && !was_ready) log::info("ready");
  if (!now_ready && (was_ready || previous != now.detail)) {
    log::warn("not ready", {{"reason", now.reason}, {"detail", now.detail}});
  }
}

}  // namespace cf::daemon
