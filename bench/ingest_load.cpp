// ingest_load: a closed-loop HTTP load generator for POST /webhooks/systeme. Each of N keep-alive
// connections sends one signed, distinct CONTACT_TAG_ADDED delivery, waits for the answer, and
// sends the next, for a fixed time. Prints the answers by status, the rate and latency
// percentiles. Single-threaded (epoll), talking only to the address it is given.
//
//   ingest_load --host 127.0.0.1 --port 8080 --secret S --prefixes prefixes.txt
//               [--connections 64] [--seconds 30] [--requests N] [--contacts 20000] [--run-id R]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <functional>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/crypto.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Connection {
  int fd = -1;
  std::string out;
  std::size_t written = 0;
  std::string in;
  Clock::time_point sent_at;
};

struct Options {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string secret;
  std::string prefixes_file;
  int connections = 64;
  int seconds = 30;
  long long requests = 0;  // stop after this many (0: run for --seconds)
  int contacts = 20000;
  std::string run_id = "run";
};

// The time a request is sent, as Systeme.io stamps X-Webhook-Event-Timestamp: never ahead of
// the daemon's clock (the same machine's), and later for every pass over the contacts, so each
// delivery changes its lead's tags.
std::string timestamp_now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[48];
  const std::size_t length = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buffer + length, sizeof buffer - length, ".%03lld+00:00", ms % 1000);
  return buffer;
}

std::string make_request(const Options& o, const std::vector<std::string>& prefixes, long long n) {
  const long long contact = n % o.contacts;
  // Each contact belongs to one tenant, so the deliveries route (not foreign_prefix).
  const std::string& prefix = prefixes[static_cast<std::size_t>(contact) % prefixes.size()];
  // Each pass over the contacts (and each run) moves every contact to another tag, with a later
  // event time, so every delivery changes its lead and the mirror: the full write set.
  const long long tag = (n / o.contacts + static_cast<long long>(std::hash<std::string>{}(o.run_id) % 10)) % 10;
  const std::string body = "{\"contact\":{\"id\":" + std::to_string(100000 + contact) + ",\"email\":\"lead" +
                           std::to_string(contact) + "@example.com\",\"locale\":\"en\",\"fields\":[],\"tags\":[]}," +
                           "\"tag\":{\"id\":" + std::to_string(tag) + ",\"name\":\"" + prefix + "t" +
                           std::to_string(tag) + "\"}}";
  const std::string signature = cf::crypto::to_hex(cf::crypto::hmac_sha256(o.secret, body));
  return "POST /webhooks/systeme HTTP/1.1\r\nHost: " + o.host + "\r\nContent-Type: application/json\r\n"
         "User-Agent: SystemeIO-Webhook\r\nX-Webhook-Event: CONTACT_TAG_ADDED\r\nX-Webhook-Signature: " + signature +
         "\r\nX-Webhook-Message-Id: " + o.run_id + "-" + std::to_string(n) +
         "\r\nX-Webhook-Event-Timestamp: " + timestamp_now() + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// The status of one complete response at the start of `in`, and its length; 0 when incomplete.
std::size_t complete_response(const std::string& in, int& status) {
  const auto end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  status = std::atoi(in.c_str() + 9);
  std::size_t length = 0;
  const auto header = in.find("Content-Length:");
  if (header != std::string::npos && header < end) length = std::strtoul(in.c_str() + header + 15, nullptr, 10);
  return in.size() >= end + 4 + length ? end + 4 + length : 0;
}

int open_connection(const Options& o) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(o.port));
  inet_pton(AF_INET, o.host.c_str(), &address.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"closed-loop load for POST /webhooks/systeme"};
  app.add_option("--host", o.host);
  app.add_option("--port", o.port)->required();
  app.add_option("--secret", o.secret)->required();
  app.add_option("--prefixes", o.prefixes_file, "file with one tenant prefix per line")->required();
  app.add_option("--connections", o.connections);
  app.add_option("--seconds", o.seconds);
  app.add_option("--requests", o.requests, "stop after this many requests (at least --connections)");
  app.add_option("--contacts", o.contacts);
  app.add_option("--run-id", o.run_id, "makes message ids distinct across runs");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> prefixes;
  std::ifstream file(o.prefixes_file);
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) prefixes.push_back(line);
  }
  if (prefixes.empty()) {
    std::cerr << "no prefixes\n";
    return 2;
  }

  const int epoll = epoll_create1(0);
  std::vector<Connection> connections(static_cast<std::size_t>(o.connections));
  long long next = 0;
  const auto send_next = [&](Connection& c) {
    c.out = make_request(o, prefixes, next++);
    c.written = 0;
    c.sent_at = Clock::now();
    // Requests are small: finish the write here rather than polling for writability.
    while (c.written < c.out.size()) {
      const ssize_t n = write(c.fd, c.out.data() + c.written, c.out.size() - c.written);
      if (n > 0) c.written += static_cast<std::size_t>(n);
      else if (errno != EAGAIN && errno != EWOULDBLOCK) break;
    }
  };
  for (std::size_t i = 0; i < connections.size(); ++i) {
    connections[i].fd = open_connection(o);
    if (connections[i].fd < 0) {
      std::cerr << "cannot connect\n";
      return 1;
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(epoll, EPOLL_CTL_ADD, connections[i].fd, &event);
    send_next(connections[i]);
  }

  std::map<int, long long> statuses;
  std::vector<double> latencies_ms;
  latencies_ms.reserve(2'000'000);
  long long errors = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(o.seconds);
  int open = o.connections;
  std::vector<epoll_event> events(256);
  while (open > 0) {
    const int ready = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 100);
    for (int e = 0; e < ready; ++e) {
      Connection& c = connections[events[e].data.u64];
      if (c.fd < 0) continue;
      char buffer[8192];
      for (;;) {
        const ssize_t n = read(c.fd, buffer, sizeof buffer);
        if (n > 0) {
          c.in.append(buffer, static_cast<std::size_t>(n));
          continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
          ++errors;
          close(c.fd);
          c.fd = -1;
          --open;
        }
        break;
      }
      if (c.fd < 0) continue;
      int status = 0;
      const std::size_t length = complete_response(c.in, status);
      if (length == 0) continue;
      c.in.erase(0, length);
      statuses[status]++;
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - c.sent_at).count());
      if (Clock::now() < deadline && (o.requests == 0 || next < o.requests)) {
        send_next(c);
      } else {
        close(c.fd);
        c.fd = -1;
        --open;
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const auto pct = [&](double p) {
    return latencies_ms.empty() ? 0.0 : latencies_ms[std::min(latencies_ms.size() - 1, static_cast<std::size_t>(p * latencies_ms.size()))];
  };
  long long total = 0;
  for (const auto& [status, count] : statuses) total += count;
  std::cout << "requests " << total << " in " << elapsed << " s: " << total / elapsed << " /s\n";
  for (const auto& [status, count] : statuses) std::cout << "status " << status << ": " << count << "\n";
  std::cout << "connection errors " << errors << "\n";
  std::cout << "latency ms p50 " << pct(0.50) << " p90 " << pct(0.90) << " p99 " << pct(0.99) << " max "
            << (latencies_ms.empty() ? 0 : latencies_ms.back()) << "\n";
  std::cout << "ok_200 " << statuses[200] << "\n";
  return 0;
}
