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

// What came back on one connection: every byte until the server closed it or went quiet for 2 s.
struct Conversation {
  std::string answer;
  bool closed = false;  // the server closed the connection (end of stream)
  // How many HTTP answers `answer` holds.
  int answers() const {
    int count = 0;
    for (std::size_t at = answer.find("HTTP/1.1 "); at != std::string::npos; at = answer.find("HTTP/1.1 ", at + 1)) ++count;
    return count;
  }
};

// Sends `bytes` on `fd` in full, then reads until the end of the stream or 2 s of silence.
Conversation converse(int fd, const std::string& bytes) {
  for (std::size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  Conversation out;
  char buffer[4096];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) out.closed = true;
    if (n <= 0) break;
    out.answer.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

// Reads one whole answer (head, then Content-Length bytes of body) from `fd`; empty on failure.
std::string read_answer(int fd) {
  std::string text;
  char c;
  while (text.find("\r\n\r\n") == std::string::npos) {
    if (recv(fd, &c, 1, 0) != 1) return {};
    text += c;
  }
  const auto length_at = text.find("Content-Length: ");
  std::size_t length = length_at == std::string::npos ? 0 : std::stoul(text.substr(length_at + 16));
  std::string body(length, '\0');
  for (std::size_t got = 0; got < length;) {
    const ssize_t n = recv(fd, body.data() + got, length - got, 0);
    if (n <= 0) return {};
    got += static_cast<std::size_t>(n);
  }
  return text + body;
}

const std::string kHealthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

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

  // `bytes` on a fresh connection get exactly one answer, starting with `status_line` and with
  // a body starting with `body`, marked Connection: close; then the server closes the connection.
  void answered_once_then_closed(const std::string& bytes, const std::string& status_line, const std::string& body) {
    const int fd = connect_to(port);
    const auto got = converse(fd, bytes);
    close(fd);
    BOOST_TEST(got.answers() == 1);
    BOOST_TEST(got.answer.rfind(status_line, 0) == 0u, got.answer.substr(0, 200));
    BOOST_TEST(got.answer.find("\r\nConnection: close\r\n") != std::string::npos);
    BOOST_TEST(got.answer.find("\r\n\r\n" + body) != std::string::npos);
    BOOST_TEST(got.closed);
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

BOOST_FIXTURE_TEST_CASE(a_refused_body_closes_its_connection_instead_of_desynchronising_it, Hostile) {
  // http.max_body_bytes is 1 MiB; Pistache's own buffer is larger. A body over its buffer, one
  // between the limit and that buffer, and one made of embedded requests, each followed by a
  // request on the same connection: one JSON 413 with Connection: close, then the end of the
  // stream, never an answer to what followed the head.
  const auto post = [](const std::string& body) {
    return "POST /webhooks/systeme HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  std::string embedded;
  while (embedded.size() < 2 * 1024 * 1024) embedded += kHealthz;
  const std::vector<std::pair<std::string, std::string>> cases{
      {"a body over Pistache's buffer", post(std::string(2 * 1024 * 1024, 'x')) + kHealthz},
      {"a body just over the limit", post(std::string(1024 * 1024 + 1000, 'x')) + kHealthz},
      {"a body made of embedded requests", post(embedded)},
      {"an absurd Content-Length", "POST /v1/leads HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n" + kHealthz},
  };
  for (const auto& [what, bytes] : cases) {
    BOOST_TEST_CONTEXT(what) {
      answered_once_then_closed(bytes, "HTTP/1.1 413 ", "{\"error\":\"body too large\"}");
      still_serving(what);
    }
  }
}

BOOST_FIXTURE_TEST_CASE(a_malformed_request_is_answered_and_its_connection_closed, Hostile) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"an unknown method", "GARBAGE /healthz HTTP/1.1\r\n\r\n" + kHealthz},
      {"an unknown HTTP version", "GET /healthz HTTP/9.9\r\n\r\n" + kHealthz},
      {"a header without a colon", "GET /healthz HTTP/1.1\r\nNoColonHere\r\n\r\n" + kHealthz},
      {"two Content-Lengths", "POST /v1/leads HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd" + kHealthz},
      {"a chunked body", "POST /webhooks/systeme HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + kHealthz},
      {"a head over 64 KiB", "GET /healthz HTTP/1.1\r\nX-Big: " + std::string(70 * 1024, 'a') + "\r\n\r\n" + kHealthz},
  };
  for (const auto& [what, bytes] : cases) {
    BOOST_TEST_CONTEXT(what) { answered_once_then_closed(bytes, "HTTP/1.1 4", "{\"error\":"); }
  }
  // A header value Pistache's own parser refuses: its answer, and the connection closes after it.
  const int fd = connect_to(port);
  const auto got = converse(fd, "GET /healthz HTTP/1.1\r\nContent-Type: ;;;\r\n\r\n" + kHealthz);
  close(fd);
  BOOST_TEST(got.answers() == 1);
  BOOST_TEST(got.closed);
  still_serving("malformed requests");
}

BOOST_FIXTURE_TEST_CASE(keep_alive_and_pipelined_requests_are_all_answered, Hostile) {
  const int fd = connect_to(port);
  for (int n = 0; n < 2; ++n) {
    send(fd, kHealthz.data(), kHealthz.size(), MSG_NOSIGNAL);
    BOOST_TEST(read_answer(fd).rfind("HTTP/1.1 200 ", 0) == 0u, "request " << n << " on one connection");
  }
  // Two requests in one write, the second with a body: both answered, in order.
  const std::string capture = R"({"email":"pipe@example.com","name":"P","ib_type":"forex-ib","monthly_leads":"0-50"})";
  const std::string both = kHealthz + "POST /v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + *a.keys.api_key +
                           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(capture.size()) +
                           "\r\n\r\n" + capture;
  send(fd, both.data(), both.size(), MSG_NOSIGNAL);
  BOOST_TEST(read_answer(fd).rfind("HTTP/1.1 200 ", 0) == 0u);
  BOOST_TEST(read_answer(fd).rfind("HTTP/1.1 201 ", 0) == 0u);
  close(fd);
}
