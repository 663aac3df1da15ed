// The API does what docs/openapi.yaml says: the request set in openapi_requests.json (valid and
// invalid requests for every operation) goes through a third-party validator of the spec,
// Stoplight Prism's proxy (installed into docs/tools by scripts/test), to the real daemon on a
// real PostgreSQL. Prism forwards every request and lists what breaks the spec in the answer's
// `sl-violations` header. Any violation of a response fails; a request the set calls valid must
// have none, one it calls refused by the spec must have one; and the daemon's status must be the
// one the set expects. Prism runs without --errors on purpose: with it, Prism answers a request
// it finds invalid itself and never forwards it, so the daemon's own answer to it (415, 400,
// 401...) would go unchecked.
#define BOOST_TEST_MODULE openapi_conformance
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/two_tenants.h"

using namespace cf;
using namespace cf::testing;
using nlohmann::json;

namespace {

const std::string kSpec = CLIENTFLOW_SOURCE_DIR "/docs/openapi.yaml";
const std::string kPrism = CLIENTFLOW_SOURCE_DIR "/docs/tools/node_modules/.bin/prism";
const std::string kRequests = CLIENTFLOW_SOURCE_DIR "/tests/e2e/openapi_requests.json";

// Every "{name}" in `text` replaced by its value.
std::string substitute(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    const std::string key = "{" + name + "}";
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
      text.replace(at, key.size(), value);
    }
  }
  return text;
}

// Prism's proxy in front of `upstream`, listening on a loopback port of its own.
struct PrismProxy {
  std::uint16_t port = free_port();
  std::unique_ptr<Background> process;
  std::string base;

  explicit PrismProxy(const std::string& upstream) {
    process = std::make_unique<Background>(
        std::vector<std::string>{kPrism, "proxy", kSpec, upstream, "--host", "127.0.0.1", "--port", std::to_string(port)},
        std::map<std::string, std::string>{{"SCARF_ANALYTICS", "false"}, {"NO_COLOR", "1"}});
    base = "http://127.0.0.1:" + std::to_string(port);
    const bool up = eventually([&] { return http_get(base + "/healthz").status == 200; }, std::chrono::seconds(60));
    if (!up) throw std::runtime_error("prism did not start:\n" + process->err());
  }
  ~PrismProxy() { process->stop(SIGTERM); }
};

// The violations Prism reported for one exchange, split by side.
struct Violations {
  std::vector<std::string> request, response;
};

Violations violations_of(const HttpResponse& answer) {
  Violations out;
  const auto header = answer.headers.find("sl-violations");
  if (header == answer.headers.end()) return out;
  const auto list = json::parse(header->second, nullptr, false);
  if (!list.is_array()) {
    out.response.push_back("unreadable sl-violations header: " + header->second);
    return out;
  }
  const auto text_of = [](const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); };
  for (const auto& v : list) {
    std::string where;
    if (v.contains("location") && v["location"].is_array()) {
      for (const auto& part : v["location"]) where += (where.empty() ? "" : ".") + text_of(part);
    }
    const std::string text = where + ": " + text_of(v.value("message", json("?"))) + " (" + text_of(v.value("severity", json("?"))) + ")";
    (where.rfind("response", 0) == 0 ? out.response : out.request).push_back(text);
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "\n    " + line;
  return out;
}

// The values the request set's placeholders stand for, made through the daemon directly.
std::map<std::string, std::string> world(TwoTenants& t, const std::string& base, const std::string& config) {
  std::map<std::string, std::string> values{{"api_key_a", *t.a.keys.api_key},
                                            {"api_key_b", *t.b.keys.api_key},
                                            {"tenant_a", t.a.tenant.id},
                                            {"rule_token_a", *t.a.keys.rule_token},
                                            {"admin_token", t.admin_token}};
  const auto a = post_lead_capture(base, *t.a.keys.api_key, "shared@example.com");
  const auto b = post_lead_capture(base, *t.b.keys.api_key, "shared@example.com");
  BOOST_REQUIRE_MESSAGE(a.status == 201, a.body);
  BOOST_REQUIRE_MESSAGE(b.status == 201, b.body);
  values["lead_a"] = json::parse(a.body).at("id").get<std::string>();
  values["lead_b"] = json::parse(b.body).at("id").get<std::string>();
  BOOST_REQUIRE(run({relay_binary(), "reconcile", "--config", config}).exit_code == 0);
  const auto listed = api_request("GET", base + "/admin/findings", t.admin_token);
  const auto findings = json::parse(listed.body).at("items");
  BOOST_REQUIRE_MESSAGE(findings.is_array() && findings.size() == 1u, listed.body);
  values["finding"] = std::to_string(findings[0]["id"].get<long long>());

  const auto signed_in = http_request("POST", base + "/admin/session", "token=" + url_encode(t.admin_token),
                                      {{"Content-Type", "application/x-www-form-urlencoded"}});
  BOOST_REQUIRE(signed_in.status == 303);
  const std::string set_cookie = signed_in.headers.at("set-cookie");
  values["cookie"] = set_cookie.substr(0, set_cookie.find(';'));
  const auto page = http_request("GET", base + "/admin/report", "", {{"Cookie", values["cookie"]}});
  std::smatch meta;
  BOOST_REQUIRE(std::regex_search(page.body, meta, std::regex(R"re(<meta name="csrf-token" content="([0-9a-f]+)">)re")));
  values["csrf"] = meta[1];
  return values;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(every_request_of_the_set_agrees_with_the_spec, TwoTenants) {
  const auto config = write_admin_config(db.url(), admin_token, secret);
  Serving serving = serve(config);
  const auto values = world(*this, serving.base, config);
  PrismProxy prism(serving.base);

  std::ifstream file(kRequests);
  const json set = json::parse(file);
  BOOST_REQUIRE(set["requests"].size() >= 1u);
  for (const auto& entry : set["requests"]) {
    const std::string name = entry.at("name");
    BOOST_TEST_CONTEXT("request \"" << name << "\"") {
      std::string body;
      if (entry.contains("json")) body = substitute(entry["json"].dump(), values);
      if (entry.contains("text")) body = substitute(entry["text"].get<std::string>(), values);
      std::map<std::string, std::string> headers;
      const json given = entry.value("headers", json::object());
      for (const auto& [header, value] : given.items()) {
        headers[header] = substitute(value.get<std::string>(), values);
      }
      if (entry.value("sign", false)) headers["X-Webhook-Signature"] = sign(secret, body);
      const std::string method = entry.at("method");
      const std::string path = substitute(entry.at("path"), values);
      const auto answer = http_request(method, prism.base + path, body, headers);
      const auto found = violations_of(answer);
      const bool refused = entry.value("spec_refuses", false);

      if (entry.contains("redirect")) {
        // Prism followed the redirect: only its request check counts; the daemon's own answer is read directly.
        const auto direct = http_request(method, serving.base + path, body, headers);
        BOOST_TEST(direct.status == entry.at("status").get<long>(), "answered " << direct.status << ": " << direct.body);
        BOOST_TEST(direct.headers.count("location") == 1u);
        if (direct.headers.count("location") == 1u) BOOST_TEST(direct.headers.at("location") == entry["redirect"].get<std::string>());
      } else {
        BOOST_TEST(answer.status == entry.at("status").get<long>(), "answered " << answer.status << ": " << answer.body);
        BOOST_TEST(found.response.empty(), "the answer breaks the spec:" << joined(found.response));
      }
      if (entry.contains("error")) {
        const auto said = json::parse(answer.body, nullptr, false);
        BOOST_TEST((said.is_object() && said.value("error", "") == entry["error"].get<std::string>()), answer.body);
      }
      if (refused) {
        BOOST_TEST(!found.request.empty(), "the spec allows a request the set says it refuses");
      } else {
        BOOST_TEST(found.request.empty(), "the spec refuses this request:" << joined(found.request));
      }
    }
  }
}
