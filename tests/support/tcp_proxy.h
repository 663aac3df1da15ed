// TcpProxy: a loopback TCP relay between the daemon and PostgreSQL that a test can cut, to see
// the daemon lose its database and get it back without restarting. cut() drops every relayed
// connection and refuses new ones until restore(). Runs its own threads; methods are safe from
// the test's thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cf::testing {

class TcpProxy {
 public:
  TcpProxy(std::string target_host, std::uint16_t target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  std::uint16_t port() const { return port_; }
  void cut();
  void restore();

 private:
  void accept_loop();
  void relay(int client);

  std::string target_host_;
  std::uint16_t target_port_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> cut_{false};
  std::mutex mutex_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// `url` (a libpq connection string) with its host and port replaced.
std::string via_proxy(const std::string& url, const TcpProxy& proxy);
// The host and port `url` names.
std::pair<std::string, std::uint16_t> database_address(const std::string& url);

}  // namespace cf::testing
