// `clientflow-relay serve` as users run it: it prints where it listens, answers /healthz and
// /readyz (ready only once the schema is current), serves /metrics, fails clearly when a port is
// taken, and exits 0 on SIGTERM.
#define BOOST_TEST_MODULE serve
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/test_database.h"

using namespace cf::testing;
using nlohmann::json;

namespace {

const std::string kEphemeralPorts =
    "http:\n  listen: \"127.0.0.1:0\"\n  public_url: https://relay.example.com\n"
    "metrics:\n  listen: \"127.0.0.1:0\"\n";

// The "serving" log line of a started daemon, as JSON.
json serving_line(Background& daemon) {
  const json serving = wait_until_serving(daemon);
  BOOST_REQUIRE_MESSAGE(serving.is_object(), daemon.err());
  return serving;
}

}  // namespace

BOOST_AUTO_TEST_CASE(health_readiness_metrics_and_clean_stop) {
  TestDatabase db;
  const auto config = write_relay_config(db.url(), kEphemeralPorts);
  Background daemon({relay_binary(), "serve", "--config", config});
  const auto serving = serving_line(daemon);
  const std::string base = serving["http"];
  BOOST_TEST(std::regex_match(base, std::regex(R"(^http://127\.0\.0\.1:[1-9][0-9]*$)")));
  BOOST_TEST(serving["account_webhook_url"] == "https://relay.example.com/webhooks/systeme");

  auto health = http_get(base + "/healthz");
  BOOST_TEST(health.status == 200);
  BOOST_TEST(json::parse(health.body)["status"] == "ok");
  BOOST_TEST(health.headers["connection"] == "Keep-Alive");

  // Not migrated yet: not ready, and the reason says what to do.
  auto not_ready = http_get(base + "/readyz");
  BOOST_TEST(not_ready.status == 503);
  BOOST_TEST(json::parse(not_ready.body)["reason"].get<std::string>().find("migrations pending: 001_foundation.sql") == 0u);
  BOOST_TEST(not_ready.headers["retry-after"] == "5");

  db.migrate();
  BOOST_TEST(eventually([&] { return http_get(base + "/readyz").status == 200; }));

  auto metrics = http_get(serving["metrics"].get<std::string>());
  BOOST_TEST(metrics.status == 200);
  BOOST_TEST(metrics.body.find("clientflow_build_info{") != std::string::npos);

  BOOST_TEST(http_get(base + "/nope").status == 404);

  BOOST_TEST(daemon.stop(SIGTERM) == 0);
  BOOST_TEST(daemon.err().find("\"message\":\"stopped\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(readiness_follows_the_database) {
  TestDatabase db;
  db.migrate();
  const auto config = write_relay_config(db.url(), kEphemeralPorts);
  Background daemon({relay_binary(), "serve", "--config", config});
  const std::string base = serving_line(daemon)["http"];
  BOOST_TEST(eventually([&] { return http_get(base + "/readyz").status == 200; }));
  {
    // Breaking the isolation layer makes the daemon unready, naming the problem.
    auto c = db.connect();
    pqxx::work tx(*c);
    tx.exec0("DROP POLICY tenant_isolation ON lead_events");
    tx.commit();
  }
  BOOST_TEST(eventually([&] {
    auto r = http_get(base + "/readyz");
    return r.status == 503 && r.body.find("table lead_events has no policy for clientflow_tenant") != std::string::npos;
  }));
  BOOST_TEST(http_get(base + "/healthz").status == 200);
  BOOST_TEST(daemon.stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(taken_metrics_port_fails_start_clearly) {
  // Hold a port, then ask the daemon to serve metrics on it.
  const int holder = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  BOOST_REQUIRE(listen(holder, 1) == 0);
  socklen_t length = sizeof address;
  getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);

  TestDatabase db;
  const auto config = write_relay_config(
      db.url(), "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:" + std::to_string(port) + "\"\n");
  auto result = run({relay_binary(), "serve", "--config", config}, {}, std::chrono::seconds(30));
  close(holder);
  BOOST_TEST(result.exit_code == 1);
  BOOST_TEST(result.err.find("clientflow-relay: error: cannot serve metrics on 127.0.0.1:" + std::to_string(port)) !=
             std::string::npos);
}
