// `clientflow-relay serve` as users run it: it prints where it listens, answers /healthz and
// /readyz (ready only once the schema is current), serves /metrics, fails clearly when a port is
// taken, exits 0 on SIGTERM, and reloads its config on SIGHUP.
#define BOOST_TEST_MODULE serve
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/test_database.h"
#include "tests/support/two_tenants.h"

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

  // Not migrated yet: not ready for a fixed reason; which migrations, and what to do, are in the log.
  auto not_ready = http_get(base + "/readyz");
  BOOST_TEST(not_ready.status == 503);
  BOOST_TEST(json::parse(not_ready.body) == json({{"status", "not ready"}, {"reason", "migrations pending"}}));
  BOOST_TEST(not_ready.body.find("001_foundation") == std::string::npos);
  BOOST_TEST(not_ready.headers["retry-after"] == "5");
  BOOST_TEST(daemon.err().find("migrations pending: 001_foundation.sql") != std::string::npos);

  db.migrate();
  BOOST_TEST(eventually([&] { return http_get(base + "/readyz").status == 200; }));

  auto metrics = http_get(serving["metrics"].get<std::string>());
  BOOST_TEST(metrics.status == 200);
  BOOST_TEST(metrics.body.find("clientflow_build_info{") != std::string::npos);

  BOOST_TEST(http_get(base + "/nope").status == 404);

  BOOST_TEST(daemon.stop(SIGTERM) == 0);
  BOOST_TEST(daemon.err().find("\"message\":\"stopped\"") != std::string::npos);
}

// `check-ready` (the unit's ExecStartPost) reads http.listen from the config and waits for /readyz:
// it fails while nothing listens, and while the schema is behind, and succeeds once ready.
BOOST_AUTO_TEST_CASE(check_ready_waits_for_readyz_on_the_configured_listen_address) {
  TestDatabase db;
  const std::string port = std::to_string(free_port());
  const auto config = write_relay_config(db.url(), "http:\n  listen: \"0.0.0.0:" + port +
                                                       "\"\nmetrics:\n  listen: \"127.0.0.1:0\"\n");
  const std::string url = "http://127.0.0.1:" + port + "/readyz";

  auto nobody = run({relay_binary(), "check-ready", "--config", config, "--timeout", "1"});
  BOOST_TEST(nobody.exit_code == 1);
  BOOST_TEST(nobody.err.find("clientflow-relay: error: not ready after 1 s: " + url) == 0);

  Background daemon({relay_binary(), "serve", "--config", config});
  serving_line(daemon);
  auto behind = run({relay_binary(), "check-ready", "--config", config, "--timeout", "1"});
  BOOST_TEST(behind.exit_code == 1);
  BOOST_TEST(behind.err.find(url + " answered 503") != std::string::npos);

  db.migrate();
  auto ready = run({relay_binary(), "check-ready", "--config", config, "--timeout", "20"});
  BOOST_TEST(ready.exit_code == 0);
  BOOST_TEST(ready.out == "ready: " + url + "\n");
  BOOST_TEST(daemon.stop(SIGTERM) == 0);

  const auto any_port = write_relay_config(db.url(), kEphemeralPorts);
  auto unknowable = run({relay_binary(), "check-ready", "--config", any_port});
  BOOST_TEST(unknowable.exit_code == 2);
  BOOST_TEST(unknowable.err.find("http.listen: port 0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(readiness_follows_the_database) {
  TestDatabase db;
  db.migrate();
  const auto config = write_relay_config(db.url(), kEphemeralPorts);
  Background daemon({relay_binary(), "serve", "--config", config});
  const std::string base = serving_line(daemon)["http"];
  BOOST_TEST(eventually([&] { return http_get(base + "/readyz").status == 200; }));
  {
    auto c = db.connect();
    pqxx::work tx(*c);
    tx.exec0("DROP POLICY tenant_isolation ON lead_events");
    tx.commit();
  }
  // Breaking the isolation layer makes the daemon unready; the public answer names no table,
  // policy or role, the log does.
  BOOST_TEST(eventually([&] { return http_get(base + "/readyz").status == 503; }));
  const auto broken = http_get(base + "/readyz");
  BOOST_TEST(json::parse(broken.body) == json({{"status", "not ready"}, {"reason", "isolation check failed"}}));
  for (const char* detail : {"lead_events", "clientflow_tenant", "tenant_isolation", "policy"}) {
    BOOST_TEST(broken.body.find(detail) == std::string::npos, detail);
  }
  BOOST_TEST(daemon.err().find("table lead_events has no policy for clientflow_tenant") != std::string::npos);
  BOOST_TEST(http_get(base + "/healthz").status == 200);
  BOOST_TEST(daemon.stop(SIGTERM) == 0);
}

// /readyz is public (nginx passes it): an unreachable database is told as that fixed reason, never
// with the host, port, role or database the daemon tried, which go to the log.
BOOST_AUTO_TEST_CASE(readyz_tells_the_public_no_host_role_or_migration) {
  const std::string port = std::to_string(free_port());
  const std::string url = "postgresql://secret_role_x@127.0.0.1:" + port + "/secret_database_x?connect_timeout=2";
  const auto config = write_relay_config(url, kEphemeralPorts);
  Background daemon({relay_binary(), "serve", "--config", config});
  const std::string base = serving_line(daemon)["http"];
  const auto unreachable = http_get(base + "/readyz");
  BOOST_TEST(unreachable.status == 503);
  BOOST_TEST(json::parse(unreachable.body) == json({{"status", "not ready"}, {"reason", "database unreachable"}}));
  for (const std::string& detail : {std::string("secret_role_x"), std::string("secret_database_x"), port,
                                    std::string("127.0.0.1"), std::string("refused")}) {
    BOOST_TEST(unreachable.body.find(detail) == std::string::npos, detail);
  }
  BOOST_TEST(daemon.err().find(port) != std::string::npos);  // the operator still learns where it tried
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

// SIGHUP re-reads the config: new webhook secrets and admin token apply at once, a config that
// does not load changes nothing (and says so), and keys that need a restart are named.
BOOST_FIXTURE_TEST_CASE(sighup_reloads_what_can_change_and_refuses_a_bad_config, TwoTenants) {
  const auto yaml = [&](const std::string& webhook_secret, const std::string& token, const std::string& listen) {
    return "database:\n  url: " + json(db.url()).dump() + "\nhttp:\n  listen: \"" + listen +
           "\"\nmetrics:\n  listen: \"127.0.0.1:0\"\nadmin:\n  token: " + token +
           "\nsysteme:\n  webhook_secrets: [" + webhook_secret + "]\n";
  };
  const std::string second_token = "second-admin-token-0123456789-abcdefgh";
  const auto config = write_temp_file("relay.yaml", yaml("first-secret", admin_token, "127.0.0.1:0"));
  Background daemon({relay_binary(), "serve", "--config", config});
  const std::string base = serving_line(daemon)["http"];
  const auto delivery = [&](const std::string& with, int n) {
    return post_account_webhook(base, with, "CONTACT_TAG_ADDED", tag_body(n, "r@example.com", "ib-aaa111-x"),
                                "reload-" + std::to_string(n)).status;
  };
  const auto findings = [&](const std::string& token) {
    return http_request("GET", base + "/admin/findings", "", {{"Authorization", "Bearer " + token}}).status;
  };
  BOOST_TEST(delivery("first-secret", 1) == 200);
  BOOST_TEST(findings(admin_token) == 200);
  // A browser session signed with the first token.
  const auto signed_in = http_request("POST", base + "/admin/session", "token=" + admin_token,
                                      {{"Content-Type", "application/x-www-form-urlencoded"}});
  BOOST_REQUIRE(signed_in.status == 303);
  const std::string cookie = signed_in.headers.at("set-cookie").substr(0, signed_in.headers.at("set-cookie").find(';'));
  const auto report = [&] { return http_request("GET", base + "/admin/report", "", {{"Cookie", cookie}}).status; };
  BOOST_TEST(report() == 200);
  // Every answer carries a request id: the caller's (nginx sets one) or a new one.
  BOOST_TEST(http_request("GET", base + "/healthz", "", {{"X-Request-Id", "edge-42.a_b"}}).headers.at("x-request-id") ==
             "edge-42.a_b");
  BOOST_TEST(http_request("GET", base + "/healthz", "", {{"X-Request-Id", "bad id\""}}).headers.at("x-request-id").size() ==
             16u);

  std::ofstream(config) << yaml("second-secret", second_token, "127.0.0.1:0");
  kill(daemon.pid(), SIGHUP);
  BOOST_REQUIRE(eventually([&] { return daemon.err().find("\"config reloaded\"") != std::string::npos; }));
  BOOST_TEST(delivery("second-secret", 2) == 200);
  BOOST_TEST(delivery("first-secret", 3) == 401);
  BOOST_TEST(findings(second_token) == 200);
  BOOST_TEST(findings(admin_token) == 401);
  BOOST_TEST(report() == 401);  // the new token ends sessions signed with the old one

  // A broken file: refused, the running config stays.
  std::ofstream(config) << yaml("third-secret", second_token, "127.0.0.1:0") << "surprise: key\n";
  kill(daemon.pid(), SIGHUP);
  BOOST_REQUIRE(eventually([&] { return daemon.err().find("\"reload refused") != std::string::npos; }));
  BOOST_TEST(daemon.err().find("surprise") != std::string::npos);  // the reason names the key
  BOOST_TEST(delivery("second-secret", 4) == 200);
  BOOST_TEST(delivery("third-secret", 5) == 401);

  // A new listen address needs a restart: the reload says so and keeps serving where it was.
  std::ofstream(config) << yaml("second-secret", second_token, "127.0.0.1:1");
  kill(daemon.pid(), SIGHUP);
  const bool named = eventually([&] { return daemon.err().find("\"needs_restart\":[\"http.listen\",\"http.public_url\"]") != std::string::npos; });
  BOOST_REQUIRE_MESSAGE(named, daemon.err());
  BOOST_TEST(delivery("second-secret", 6) == 200);
  BOOST_TEST(daemon.err().find("second-secret") == std::string::npos);  // secrets never reach the log
  BOOST_TEST(daemon.stop(SIGTERM) == 0);
}
