// The real daemon under hostile HTTP on loopback: malformed request lines and headers, a huge
// header, bodies shorter and longer than their Content-Length, binary junk, a client trickling
// bytes, and 1,500 idle connections. After each, and while the slow ones hang on, a health check
// and a signed delivery must still be answered; the daemon must never crash and must stop
// cleanly. (In production nginx answers most of this itself: deploy/nginx-clientflow-relay.conf.)
#define BOOST_TEST_MODULE hostile_http
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/two_tenants.h"

using namespace cf::testing;
using namespace std::string_literals;
using nlohmann::json;

namespace {

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

// Sends `bytes` on a fresh connection, reads whatever comes back within 2 s, closes.
std::string send_raw(int port, const std::string& bytes) {
  const int fd = connect_to(port);
  if (fd < 0) return "connect failed";
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) answer.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  return answer;
}

struct Hostile : TwoTenants {
  std::unique_ptr<Background> daemon;
  std::string base;
  int port = 0;
  int delivered = 0;

  Hostile() {
    // Room for the idle connections, in this process and the daemon it starts.
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 8192);
    setrlimit(RLIMIT_NOFILE, &limit);
    auto serving = serve(write_admin_config(db.url(), admin_token, secret));
    daemon = std::move(serving.daemon);
    base = serving.base;
    port = std::stoi(base.substr(base.rfind(':') + 1));
  }

  // The daemon still serves well-formed requests: health, and a signed delivery stored.
  void still_serving(const std::string& after) {
    BOOST_TEST(http_request("GET", base + "/healthz").status == 200, "healthz after " << after);
    const auto body = tag_body(1000 + delivered, "ok" + std::to_string(delivered) + "@example.com", "ib-aaa111-ok");
    BOOST_TEST(post_account_webhook(base, secret, "CONTACT_TAG_ADDED", body, "hostile-" + std::to_string(delivered)).status == 200,
               "delivery after " << after);
    ++delivered;
    BOOST_REQUIRE_MESSAGE(kill(daemon->pid(), 0) == 0, "the daemon died after " << after << "\n" << daemon->err());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(malformed_requests_never_take_the_daemon_down, Hostile) {
  std::mt19937 random(42);
  std::string junk(8192, '\0');
  for (auto& c : junk) c = static_cast<char>(random());
  const std::string huge_header(1 << 20, 'a');
  const std::vector<std::pair<std::string, std::string>> cases{
      {"garbage request line", "GARBAGE\r\n\r\n"},
      {"method only", "GET\r\n\r\n"},
      {"unknown HTTP version", "GET /healthz HTTP/9.9\r\n\r\n"},
      {"no CRLF at all", std::string(64 * 1024, 'G')},
      {"header without a colon", "GET /healthz HTTP/1.1\r\nNoColonHere\r\n\r\n"},
      {"control bytes in a header", "GET /healthz HTTP/1.1\r\nX-A: \x01\x02\x7f\r\n\r\n"s},
      {"a 1 MiB header", "GET /healthz HTTP/1.1\r\nX-Big: " + huge_header + "\r\n\r\n"},
      {"Content-Length larger than the body",
       "POST /webhooks/systeme HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"short\":1}"},
      {"Content-Length smaller than the body",
       "POST /webhooks/systeme HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{\"a\":1}GARBAGE AFTER THE BODY\r\n\r\n"},
      {"negative Content-Length", "POST /webhooks/systeme HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nabc"},
      {"absurd Content-Length", "POST /webhooks/systeme HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\nabc"},
      {"two Content-Lengths", "POST /webhooks/systeme HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"},
      {"chunked body", "POST /webhooks/systeme HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"},
      {"binary junk", junk},
      {"a path with NUL and dots", "GET /../../etc/passwd\0x HTTP/1.1\r\n\r\n"s},
  };
  for (const auto& [what, bytes] : cases) {
    send_raw(port, bytes);
    still_serving(what);
  }
}

BOOST_FIXTURE_TEST_CASE(slow_and_idle_clients_do_not_starve_the_others, Hostile) {
  // Trickling clients: one byte every 50 ms for 3 s each.
  std::atomic<bool> stop{false};
  std::vector<std::thread> tricklers;
  for (int t = 0; t < 4; ++t) {
    tricklers.emplace_back([&, t] {
      const int fd = connect_to(port);
      const std::string request = "POST /webhooks/systeme HTTP/1.1\r\nHost: slow" + std::to_string(t) +
                                  "\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'x');
      for (std::size_t i = 0; i < request.size() && !stop; ++i) {
        if (send(fd, &request[i], 1, MSG_NOSIGNAL) <= 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (i > 60) break;  // about 3 s
      }
      close(fd);
    });
  }
  // 1,500 idle connections held open.
  std::vector<int> idle;
  for (int i = 0; i < 1500; ++i) {
    const int fd = connect_to(port);
    if (fd >= 0) idle.push_back(fd);
  }
  BOOST_TEST(idle.size() == 1500u);
  for (int round = 0; round < 5; ++round) {
    still_serving("slow and idle clients, round " + std::to_string(round));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  stop = true;
  for (auto& thread : tricklers) thread.join();
  for (const int fd : idle) close(fd);
  still_serving("the slow and idle clients left");
  BOOST_TEST(daemon->stop(SIGTERM) == 0);
}
