// A daemon meets a schema that is not its own: migrations it carries are not applied yet, or the
// database holds migrations of a newer binary. Either way it answers signed webhooks 503 with
// Retry-After and stores nothing (a delivery stored against another schema can be stored wrongly
// for good), /readyz says why, and once the schema is its own again Systeme.io's retry of the same
// delivery is stored, once.
#define BOOST_TEST_MODULE schema_guard
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/test_database.h"
#include "tests/support/two_tenants.h"

using namespace cf::testing;
using nlohmann::json;

namespace {

// Two tenants, and the daemon serving their database.
struct Served : TwoTenants {
  Serving relay = serve(write_admin_config(db.url(), admin_token, secret));

  long long stored() {
    pqxx::work tx(*c);
    return tx.exec1("SELECT count(*) FROM webhook_events")[0].as<long long>();
  }
  std::string readiness_reason() {
    const auto answer = http_get(relay.base + "/readyz");
    return answer.status == 200 ? "" : json::parse(answer.body).value("reason", "?");
  }
  void exec(const std::string& sql) {
    pqxx::work tx(*c);
    tx.exec0(sql);
    tx.commit();
  }
  HttpResponse deliver(const std::string& message_id) {
    return post_account_webhook(relay.base, secret, "CONTACT_TAG_ADDED",
                                tag_body(6001, "guard@example.com", a.tenant.prefix + "demo-request"), message_id);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(schema_newer_than_the_binary_answers_503_and_stores_nothing, Served) {
  BOOST_TEST(deliver("msg-before").status == 200);
  BOOST_TEST(stored() == 1);

  // A newer binary's migrate ran.
  exec("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, '999_future.sql', 'x')");
  BOOST_TEST(eventually([&] { return readiness_reason() == "schema newer than this binary"; }));
  auto refused = deliver("msg-during");
  BOOST_TEST(refused.status == 503);
  BOOST_TEST(refused.headers["retry-after"] == "5");
  BOOST_TEST(stored() == 1);
  BOOST_TEST(relay.daemon->err().find("migrations newer than this binary: 999") != std::string::npos);

  exec("DELETE FROM schema_migrations WHERE version = 999");
  BOOST_TEST(eventually([&] { return readiness_reason().empty(); }));
  BOOST_TEST(deliver("msg-during").status == 200);  // Systeme.io's retry
  BOOST_TEST(deliver("msg-during").status == 200);  // and a second one: a duplicate
  BOOST_TEST(stored() == 2);
}

BOOST_FIXTURE_TEST_CASE(migrations_pending_answer_503_and_store_nothing, Served) {
  // The schema one migration behind the binary, as when the binary is upgraded before `migrate`.
  pqxx::work read(*c);
  const auto last = read.exec1("SELECT version, name, checksum FROM schema_migrations ORDER BY version DESC LIMIT 1");
  read.commit();
  const std::string restore = "INSERT INTO schema_migrations (version, name, checksum) VALUES (" +
                              last[0].as<std::string>() + ", " + c->quote(last[1].as<std::string>()) + ", " +
                              c->quote(last[2].as<std::string>()) + ")";
  exec("DELETE FROM schema_migrations WHERE version = " + last[0].as<std::string>());
  BOOST_TEST(eventually([&] { return readiness_reason() == "migrations pending"; }));
  auto refused = deliver("msg-behind");
  BOOST_TEST(refused.status == 503);
  BOOST_TEST(refused.headers["retry-after"] == "5");
  BOOST_TEST(stored() == 0);
  BOOST_TEST(relay.daemon->err().find("migrations pending: " + last[1].as<std::string>()) != std::string::npos);

  exec(restore);
  BOOST_TEST(eventually([&] { return readiness_reason().empty(); }));
  BOOST_TEST(deliver("msg-behind").status == 200);
  BOOST_TEST(stored() == 1);
}

// The binary upgraded before `migrate`, on a v0.1.0 database: webhooks wait (503), then `migrate`
// brings the schema to the binary's and Systeme.io's retry is stored and routed.
BOOST_AUTO_TEST_CASE(a_v010_database_gets_503_until_migrate_then_the_retry_is_stored) {
  TestDatabase db;
  db.load("tests/upgrade/v0.1.0_schema.sql");
  const std::string secret = "webhook-secret";
  Serving relay = serve(write_admin_config(db.url(), "admin-token-0123456789-abcdefghijklmnop", secret));
  const auto reason = [&] { return json::parse(http_get(relay.base + "/readyz").body).value("reason", ""); };
  BOOST_TEST(reason() == "migrations pending");
  const std::string body = contact_body(6101, "early@example.com", {});
  auto refused = post_account_webhook(relay.base, secret, "CONTACT_CREATED", body, "msg-v010");
  BOOST_TEST(refused.status == 503);
  BOOST_TEST(refused.headers["retry-after"] == "5");
  const auto count = [&] {
    auto c = db.connect();
    pqxx::work tx(*c);
    return tx.exec1("SELECT count(*) FROM webhook_events")[0].as<long long>();
  };
  BOOST_TEST(count() == 0);

  auto migrated = run({relay_binary(), "migrate", "--config", write_relay_config(db.url())});
  BOOST_TEST_REQUIRE(migrated.exit_code == 0, migrated.err);
  BOOST_TEST(migrated.out.find("applied 006_trust_boundaries.sql") != std::string::npos);
  BOOST_TEST(eventually([&] { return http_get(relay.base + "/readyz").status == 200; }));
  auto stored = post_account_webhook(relay.base, secret, "CONTACT_CREATED", body, "msg-v010");
  BOOST_TEST(stored.status == 200);
  BOOST_TEST(stored.body == R"({"status":"no_prefix"})");
  BOOST_TEST(count() == 1);
}
