// docs/openapi.yaml describes exactly the routes the daemon serves: every route registered on
// the HTTP server is in it, and every operation in it is served.
#define BOOST_TEST_MODULE openapi
#include <boost/test/unit_test.hpp>

#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>

#include "common/clock.h"
#include "daemon/admin_api.h"
#include "daemon/credential_filter.h"
#include "daemon/db_executor.h"
#include "daemon/http_server.h"
#include "daemon/ingest_writer.h"
#include "daemon/readiness.h"
#include "daemon/tenant_api.h"
#include "daemon/webhook_endpoints.h"

using namespace cf;
using namespace cf::daemon;

namespace {
// "/v1/leads/:id" and "/v1/leads/{id}" both become "/v1/leads/{}".
std::string canonical(const std::string& path) {
  static const std::regex pistache(":[A-Za-z_]+");
  static const std::regex openapi("\\{[A-Za-z_]+\\}");
  return std::regex_replace(std::regex_replace(path, pistache, "{}"), openapi, "{}");
}
}  // namespace

BOOST_AUTO_TEST_CASE(spec_and_server_name_the_same_routes) {
  // The same wiring as `serve`, without starting anything.
  SchemaGuard schema;
  Readiness readiness(Secret("postgresql:///unused"), std::chrono::seconds(1), schema);
  HttpServer server(HttpConfig{}, readiness);
  IngestWriter writer({Secret("postgresql:///unused"), 1, 16, 16});
  SystemClock clock;
  CredentialFilter credentials({Secret("postgresql:///unused")});
  WebhookEndpoints webhooks({}, writer, credentials, clock);
  DbExecutor executor(Secret("postgresql:///unused"), 1, 16);
  TenantApi api(DuplicatePolicy::allow, 64, credentials, executor);
  AdminApi admin(Secret("a-token-of-at-least-thirty-two-chars"), executor, false, 64);
  webhooks.register_routes(server);
  api.register_routes(server);
  admin.register_routes(server);

  std::set<std::string> served;
  for (const auto& route : server.routes()) served.insert(route.method + " " + canonical(route.path));

  const YAML::Node spec = YAML::LoadFile(CLIENTFLOW_SOURCE_DIR "/docs/openapi.yaml");
  std::set<std::string> described;
  for (const auto& path : spec["paths"]) {
    for (const auto& operation : path.second) {
      std::string method = operation.first.as<std::string>();
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      described.insert(method + " " + canonical(path.first.as<std::string>()));
    }
  }
  BOOST_TEST(served.size() == 20u);
  for (const auto& route : served) BOOST_TEST(described.count(route) == 1u, "served but not described: " << route);
  for (const auto& route : described) BOOST_TEST(served.count(route) == 1u, "described but not served: " << route);
}
