#include "store/kept_connection.h"

#include <algorithm>
#include <stdexcept>

#include "common/log.h"
#include "store/database.h"

namespace cf::store {

KeptConnection::KeptConnection(Secret url, std::string component, Options options, ConnectionMetrics& metrics)
    : url_(std::move(url)), component_(std::move(component)), options_(std::move(options)), metrics_(metrics) {
  metrics_.add_component(component_);
}

KeptConnection::~KeptConnection() { drop(); }

Result<pqxx::connection*> KeptConnection::get() {
  if (is_open()) return connection_.get();
  if (connection_) {
    drop();
    outage("the connection closed");
  }
  if (failed_opens_ > 0 && Clock::now() < retry_at_) return last_error_;
  auto opened = open();
  if (!opened) {
    metrics_.database_error(component_);
    const int doublings = std::min(failed_opens_++, 16);
    retry_at_ = Clock::now() + std::min(options_.max_retry, options_.first_retry * (1 << doublings));
    last_error_ = opened.error();
    outage(last_error_.message);
    return last_error_;
  }
  connection_ = std::move(*opened);
  if (out_ && opened_before_) metrics_.reconnect(component_);
  if (out_) log::info("database reachable again", {{"component", component_}});
  out_ = false;
  failed_opens_ = 0;
  opened_before_ = true;
  return connection_.get();
}

Result<std::unique_ptr<pqxx::connection>> KeptConnection::open() {
  auto opened = connect(url_);
  if (!opened || !options_.opened) return opened;
  try {
    options_.opened(**opened);
    return opened;
  } catch (const std::exception& e) {
    if (options_.closing) options_.closing();
    return unavailable(std::string("cannot prepare the database connection: ") + e.what());
  }
}

bool KeptConnection::failed(const std::exception& e) {
  metrics_.database_error(component_);
  if (!is_unavailable(e) && is_open()) return false;
  drop();
  outage(e.what());
  return true;
}

void KeptConnection::close() { drop(); }

void KeptConnection::for_one_pass(const std::function<void(pqxx::connection&)>& work) {
  auto connection = get();
  if (!connection) throw std::runtime_error(connection.error().message);
  try {
    work(**connection);
  } catch (const std::exception& e) {
    if (!failed(e)) close();
    throw;
  }
  close();
}

bool KeptConnection::is_open() const { return connection_ && connection_->is_open(); }

std::chrono::milliseconds KeptConnection::until_retry() const {
  if (is_open() || failed_opens_ == 0) return std::chrono::milliseconds(0);
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(retry_at_ - Clock::now());
  return std::max(std::chrono::milliseconds(0), left);
}

void KeptConnection::drop() {
  if (!connection_) return;
  if (options_.closing) options_.closing();
  connection_.reset();
}

void KeptConnection::outage(const std::string& reason) {
  if (out_) return;
  out_ = true;
  log::warn("database unreachable", {{"component", component_}, {"reason", reason}});
}

}  // namespace cf::store
