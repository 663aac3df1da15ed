// The dashboard and the alerts against a real Prometheus (Debian's package): the daemon handles
// real deliveries, captures, Systeme.io calls (one failing) and reconcile runs; Prometheus scrapes
// it every second; then every PromQL expression of grafana/dashboard.json must return at least one
// series, every metric an alert rule names must be exported, `promtool check metrics` must accept
// /metrics, and no tenant id may appear in it.
#define BOOST_TEST_MODULE prometheus
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "store/tenants.h"
#include "tests/support/deliveries.h"
#include "tests/support/fake_systeme.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/test_database.h"
#include "tests/support/two_tenants.h"

using namespace cf;
using namespace cf::testing;
using nlohmann::json;

namespace {

const std::string kSource = CLIENTFLOW_SOURCE_DIR;

std::string slurp(const std::string& path) {
  std::ifstream file(path);
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(dashboard_and_alerts_see_real_series, TwoTenants) {
  const std::string& token = admin_token;
  FakeSysteme systeme("prom-api-key");
  const auto config = write_relay_config(
      db.url(), "http:\n  listen: \"127.0.0.1:0\"\n  max_body_bytes: 4096\nmetrics:\n  listen: \"127.0.0.1:0\"\n"
                "admin:\n  token: " + token + "\nsysteme:\n  webhook_secrets: [" + secret + "]\n  api_base: " +
                systeme.api_base() + "\n  api_key: prom-api-key\n  requests_per_second: 50\n  timeout_seconds: 2\n"
                "reconcile:\n  interval_seconds: 10\n");
  Serving serving = serve(config);
  Background& daemon = *serving.daemon;
  const std::string base = serving.base;
  const std::string metrics_url = serving.line["metrics"];

  // Traffic of every kind: routed, duplicate, unknown prefix, bad signature, too large.
  for (int n = 0; n < 3; ++n) {
    const auto body = tag_body(100 + n, "p" + std::to_string(n) + "@example.com", "ib-aaa111-demo");
    BOOST_REQUIRE(post_account_webhook(base, secret, "CONTACT_TAG_ADDED", body, "prom-" + std::to_string(n)).status == 200);
  }
  BOOST_TEST(post_account_webhook(base, secret, "CONTACT_TAG_ADDED", tag_body(100, "p0@example.com", "ib-aaa111-demo"),
                                  "prom-0").status == 200);  // duplicate
  BOOST_TEST(post_account_webhook(base, secret, "CONTACT_TAG_ADDED", tag_body(200, "u@example.com", "ib-zzz999-x"),
                                  "prom-u").status == 200);  // unknown_prefix
  BOOST_TEST(post_account_webhook(base, "wrong-secret", "CONTACT_TAG_ADDED", tag_body(1, "x@example.com", "t"), "prom-x")
                 .status == 401);
  BOOST_TEST(post_account_webhook(base, secret, "CONTACT_TAG_ADDED", std::string(5000, ' '), "prom-big").status == 413);
  // Both IBs capture one person (a shared contact); the first Systeme.io call fails once.
  systeme.fail_next(1, 500);
  for (const auto* tenant : {&a, &b}) {
    BOOST_REQUIRE(post_lead_capture(base, *tenant->keys.api_key, "shared@example.com").status == 201);
  }
  // The daemon's reconciler runs (every 10 s) and the outbox retries the failed call.
  BOOST_REQUIRE(eventually([&] {
    const auto text = http_request("GET", metrics_url).body;
    return text.find("clientflow_reconcile_runs_total{mode=") != std::string::npos &&
           text.find("clientflow_systeme_api_retries_total{component=\"outbox\"}") != std::string::npos &&
           text.find("clientflow_findings_open{kind=\"shared_contact\"} 1") != std::string::npos;
  }, std::chrono::seconds(60)));

  // Prometheus scrapes it every second, with the alert rules loaded.
  const auto work = std::filesystem::temp_directory_path() / ("clientflow-prom-" + std::to_string(getpid()));
  std::filesystem::create_directories(work);
  const std::string target = metrics_url.substr(7, metrics_url.find("/metrics") - 7);  // host:port
  std::ofstream(work / "prometheus.yml") << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                         << "rule_files:\n  - " << kSource << "/grafana/alerts.yml\n"
                                         << "scrape_configs:\n  - job_name: clientflow-relay\n    static_configs:\n"
                                         << "      - targets: [\"" << target << "\"]\n";
  const int port = free_port();
  const std::string prometheus_url = "http://127.0.0.1:" + std::to_string(port);
  Background prometheus({"/usr/bin/prometheus", "--config.file=" + (work / "prometheus.yml").string(),
                         "--storage.tsdb.path=" + (work / "data").string(),
                         "--web.listen-address=127.0.0.1:" + std::to_string(port)});
  const auto query = [&](const std::string& promql) {
    const auto answer = http_request("GET", prometheus_url + "/api/v1/query?query=" + url_encode(promql));
    return answer.status == 200 ? json::parse(answer.body, nullptr, false) : json();
  };
  BOOST_REQUIRE(eventually([&] {
    const auto up = query("up{job=\"clientflow-relay\"} == 1");
    return up.is_object() && up["data"]["result"].size() == 1u;
  }, std::chrono::seconds(60)));
  std::this_thread::sleep_for(std::chrono::seconds(4));  // a few scrapes, so rates have two samples

  // Every expression of the dashboard returns at least one series.
  const json dashboard = json::parse(slurp(kSource + "/grafana/dashboard.json"));
  int expressions = 0;
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target_expr : panel["targets"]) {
      std::string expr = target_expr["expr"];
      for (std::size_t at; (at = expr.find("$__rate_interval")) != std::string::npos;) expr.replace(at, 16, "30s");
      const auto answer = query(expr);
      BOOST_TEST((answer.is_object() && answer["status"] == "success"), panel["title"] << ": " << expr);
      BOOST_TEST((answer.is_object() && !answer["data"]["result"].empty()),
                 panel["title"] << " returns no series: " << expr);
      ++expressions;
    }
  }
  BOOST_TEST(expressions == 23);

  // Every metric an alert rule names is exported; the exposition passes promtool.
  const std::string exposition = http_request("GET", metrics_url).body;
  const YAML::Node rules = YAML::LoadFile(kSource + "/grafana/alerts.yml");
  const std::regex metric_name("clientflow_[a-z_]+");
  std::set<std::string> named;
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      const std::string expr = rule["expr"].as<std::string>();
      for (std::sregex_iterator it(expr.begin(), expr.end(), metric_name), end; it != end; ++it) named.insert(it->str());
    }
  }
  BOOST_TEST(named.size() == 6u);
  for (const auto& name : named) {
    BOOST_TEST(exposition.find("# TYPE " + name + " ") != std::string::npos, name << " is not exported");
  }
  const std::string saved = (work / "metrics.txt").string();
  std::ofstream(saved) << exposition;
  const auto checked = run({"/bin/sh", "-c", "promtool check metrics < " + saved});
  BOOST_TEST(checked.exit_code == 0, checked.out << checked.err);
  // Tenant ids are never labels.
  BOOST_TEST(exposition.find(a.tenant.id) == std::string::npos);
  BOOST_TEST(exposition.find(b.tenant.id) == std::string::npos);

  BOOST_TEST(prometheus.stop(SIGTERM) == 0);
  BOOST_TEST(daemon.stop(SIGTERM) == 0);
  std::filesystem::remove_all(work);
}
