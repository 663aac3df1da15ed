#include "tests/support/tcp_proxy.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "store/database.h"

namespace cf::testing {

TcpProxy::TcpProxy(std::string target_host, std::uint16_t target_port)
    : target_host_(std::move(target_host)), target_port_(target_port) {
  listener_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener_, 64) != 0) {
    throw std::runtime_error("proxy: cannot listen");
  }
  socklen_t length = sizeof address;
  getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  cut();
  shutdown(listener_, SHUT_RDWR);
  close(listener_);
  acceptor_.join();
  for (auto& thread : threads_) thread.join();
}

void TcpProxy::cut() {
  cut_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
}

void TcpProxy::restore() { cut_ = false; }

void TcpProxy::accept_loop() {
  while (!stopping_) {
    pollfd p{listener_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const int client = accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    if (cut_) {
      close(client);
      continue;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    threads_.emplace_back([this, client] { relay(client); });
  }
}

void TcpProxy::relay(int client) {
  const int upstream = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(target_port_);
  inet_pton(AF_INET, target_host_.c_str(), &address.sin_addr);
  if (connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(client);
    close(upstream);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open_fds_.push_back(client);
    open_fds_.push_back(upstream);
  }
  pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  char buffer[16384];
  bool open = true;
  while (open && !stopping_) {
    if (poll(fds, 2, 200) < 0) break;
    for (int i = 0; i < 2 && open; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0 || cut_) {
        open = false;
        break;
      }
      const int to = fds[1 - i].fd;
      for (ssize_t sent = 0; sent < n;) {
        const ssize_t w = write(to, buffer + sent, static_cast<std::size_t>(n - sent));
        if (w <= 0) {
          open = false;
          break;
        }
        sent += w;
      }
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  open_fds_.erase(std::remove_if(open_fds_.begin(), open_fds_.end(), [&](int fd) { return fd == client || fd == upstream; }),
                  open_fds_.end());
  close(client);
  close(upstream);
}

std::pair<std::string, std::uint16_t> database_address(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) throw std::runtime_error("cannot parse database url");
  std::string host = "127.0.0.1", port = "5432";
  for (auto* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::string(o->keyword) == "host" || std::string(o->keyword) == "hostaddr") host = o->val;
    if (std::string(o->keyword) == "port") port = o->val;
  }
  PQconninfoFree(options);
  return {host, static_cast<std::uint16_t>(std::stoi(port))};
}

std::string via_proxy(const std::string& url, const TcpProxy& proxy) {
  auto rewritten = store::conninfo_with(url, {{"host", "127.0.0.1"}, {"port", std::to_string(proxy.port())}});
  if (!rewritten) throw std::runtime_error(rewritten.error().message);
  return *rewritten;
}

}  // namespace cf::testing
