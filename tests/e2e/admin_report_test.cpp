// The admin report page in a real browser: findings made by real captures and deliveries through
// the daemon and 60 more, then tests/browser/admin_report.mjs drives headless Chromium (sign in, page,
// search by email,
// dismiss one finding, forged requests, screenshot, end every session, sign in again, sign out),
// and the database shows what it did.
#define BOOST_TEST_MODULE admin_report
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "store/tenants.h"
#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/test_database.h"
#include "tests/support/two_tenants.h"

using namespace cf;
using namespace cf::testing;
using nlohmann::json;

namespace {
struct HostileName : TwoTenants {
  HostileName() : TwoTenants("<img src=x onerror=alert(1)>") {}
};
}  // namespace

BOOST_FIXTURE_TEST_CASE(admin_signs_in_filters_and_dismisses_in_chromium, HostileName) {
  const std::string& token = admin_token;
  const auto config = write_admin_config(db.url(), token, secret);
  Serving serving = serve(config);
  Background& daemon = *serving.daemon;
  const std::string base = serving.base;

  // Both IBs capture the same person; an unknown prefix arrives by webhook.
  for (const auto* tenant : {&a, &b}) {
    BOOST_REQUIRE(post_lead_capture(base, *tenant->keys.api_key, "shared@example.com").status == 201);
  }
  const auto body = tag_body(8, "u1@example.com", "ib-zzz999-x");
  BOOST_REQUIRE(post_account_webhook(base, secret, "CONTACT_TAG_ADDED", body, "page-1").status == 200);
  BOOST_REQUIRE(run({relay_binary(), "reconcile", "--config", config}).exit_code == 0);
  // 60 more open findings, newer than those two: the report pages them, 50 a page.
  {
    pqxx::work tx(*c);
    tx.exec0("INSERT INTO findings (kind, subject, evidence, fingerprint) SELECT 'owner_mismatch', (9000 + g)::text, "
             "jsonb_build_object('contact_id', 9000 + g, 'email', 'bulk' || g || '@example.com'), 'f' "
             "FROM generate_series(1, 60) g");
    tx.commit();
  }

  const std::string screenshot = (std::filesystem::temp_directory_path() / "clientflow-admin-report.png").string();
  std::filesystem::remove(screenshot);
  const auto browser = run({"/usr/bin/node", std::string(CLIENTFLOW_SOURCE_DIR) + "/tests/browser/admin_report.mjs"},
                           {{"BASE_URL", base}, {"ADMIN_TOKEN", token}, {"SCREENSHOT", screenshot}},
                           std::chrono::seconds(120));
  BOOST_TEST_MESSAGE(browser.out << browser.err);
  BOOST_TEST(browser.exit_code == 0, browser.out << browser.err);

  // The dismissal is stored with who and why; the shared contact is untouched.
  pqxx::read_transaction tx(*c);
  const auto row = tx.exec1("SELECT status, status_by, status_note FROM findings WHERE kind = 'unknown_prefix'");
  BOOST_TEST(row[0].as<std::string>() == "dismissed");
  BOOST_TEST(row[1].as<std::string>() == "alice");
  BOOST_TEST(row[2].as<std::string>() == "a test prefix");
  BOOST_TEST(tx.exec1("SELECT status FROM findings WHERE kind = 'shared_contact'")[0].as<std::string>() == "open");
  // Sessions were ended everywhere once (the forged attempts changed nothing).
  BOOST_TEST(tx.exec1("SELECT generation FROM admin_session_generation")[0].as<int>() == 2);
  // A PNG screenshot of the page was taken.
  std::ifstream png(screenshot, std::ios::binary);
  std::string magic(8, '\0');
  png.read(magic.data(), 8);
  BOOST_TEST(magic == std::string("\x89PNG\r\n\x1a\n", 8));
  BOOST_TEST(std::filesystem::file_size(screenshot) > 10000u);
  BOOST_TEST(daemon.stop(SIGTERM) == 0);
}
