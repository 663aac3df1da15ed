// The real clientflow-relay binary: help, migrate, and every tenant subcommand with each refusal
// (exit code 2, one clear line, nothing stored) and runtime failure (exit code 1).
#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/test_database.h"

using namespace cf::testing;
using nlohmann::json;

namespace {

struct MigratedRelay {
  TestDatabase db;
  std::string config = write_relay_config(db.url());
  MigratedRelay() {
    auto migrated = relay({"migrate"});
    BOOST_REQUIRE_MESSAGE(migrated.exit_code == 0, migrated.err);
  }
  Completed relay(std::vector<std::string> args) {
    args.insert(args.begin(), relay_binary());
    args.push_back("--config");
    args.push_back(config);
    return run(args);
  }
  int tenant_count() {
    auto c = db.connect();
    pqxx::read_transaction tx(*c);
    return tx.exec1("SELECT count(*) FROM tenants")[0].as<int>();
  }
  void expect_refusal(const std::vector<std::string>& args, const std::string& message) {
    const int before = tenant_count();
    auto result = relay(args);
    BOOST_TEST_CONTEXT(args[0] << " " << (args.size() > 1 ? args[1] : "")) {
      BOOST_TEST(result.exit_code == 2);
      BOOST_TEST(result.err == "clientflow-relay: error: " + message + "\n");
      BOOST_TEST(result.out == "");
      BOOST_TEST(tenant_count() == before);
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(help_for_every_subcommand) {
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"serve"}, {"migrate"}, {"tenant", "add"}, {"tenant", "list"},
        {"tenant", "rotate-keys"}}) {
    std::vector<std::string> args{relay_binary()};
    args.insert(args.end(), command.begin(), command.end());
    args.push_back("--help");
    auto result = run(args);
    BOOST_TEST_CONTEXT(command.back()) {
      BOOST_TEST(result.exit_code == 0);
      BOOST_TEST(result.out.find("--config") != std::string::npos);
    }
  }
  auto top = run({relay_binary(), "--help"});
  BOOST_TEST(top.exit_code == 0);
  for (const char* name : {"serve", "migrate", "tenant"}) BOOST_TEST(top.out.find(name) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2) {
  BOOST_TEST(run({relay_binary()}).exit_code == 2);
  BOOST_TEST(run({relay_binary(), "frobnicate"}).exit_code == 2);
  auto missing = run({relay_binary(), "tenant", "add", "--email", "a@b.co"});
  BOOST_TEST(missing.exit_code == 2);
  BOOST_TEST(missing.err.find("--name is required") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_config_exits_2_naming_file_and_line) {
  const auto path = write_temp_file("bad.yaml", "database:\n  url: x\nhttp:\n  threads: 0\n");
  auto result = run({relay_binary(), "migrate", "--config", path});
  BOOST_TEST(result.exit_code == 2);
  BOOST_TEST(result.err == "clientflow-relay: error: " + path + ":4: http.threads: must be between 1 and 256\n");
}

BOOST_AUTO_TEST_CASE(unreachable_database_exits_1_without_leaking_the_url) {
  const auto path = write_relay_config("postgresql://clientflow:hunter2-secret@127.0.0.1:1/none");
  auto result = run({relay_binary(), "tenant", "list", "--config", path});
  BOOST_TEST(result.exit_code == 1);
  BOOST_TEST(result.err.find("cannot connect to PostgreSQL") != std::string::npos);
  BOOST_TEST(result.err.find("hunter2-secret") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(migrate_twice_reports_current, MigratedRelay) {
  auto again = relay({"migrate"});
  BOOST_TEST(again.exit_code == 0);
  BOOST_TEST(again.out.find("(already current)") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(tenant_add_prints_one_json_object, MigratedRelay) {
  auto result = relay({"tenant", "add", "--name", "John", "--email", "John@Example.com"});
  BOOST_REQUIRE_MESSAGE(result.exit_code == 0, result.err);
  const auto tenant = json::parse(result.out);
  BOOST_TEST(tenant.size() == 8u);
  BOOST_TEST(tenant["state"] == "active");
  for (const char* key : {"id", "name", "email", "prefix", "api_key", "rule_token", "created_at", "state"}) {
    BOOST_TEST(tenant.contains(key), key);
  }
  BOOST_TEST(tenant["email"] == "john@example.com");
  BOOST_TEST(std::regex_match(tenant["prefix"].get<std::string>(), std::regex("^ib-[a-z0-9]{8}-$")));
  BOOST_TEST(std::count(result.out.begin(), result.out.end(), '\n') == 1);

  auto kept = relay({"tenant", "add", "--name", "Old IB", "--email", "old@example.com", "--prefix", "ib-abc123-"});
  BOOST_REQUIRE(kept.exit_code == 0);
  BOOST_TEST(json::parse(kept.out)["prefix"] == "ib-abc123-");
  BOOST_TEST(tenant_count() == 2);
}

BOOST_FIXTURE_TEST_CASE(tenant_add_refusals_store_nothing, MigratedRelay) {
  BOOST_REQUIRE(relay({"tenant", "add", "--name", "Old", "--email", "old@example.com", "--prefix", "ib-abc123-"}).exit_code == 0);
  expect_refusal({"tenant", "add", "--name", "New", "--email", "new@example.com", "--prefix", "ib-abc123-"},
                 "prefix ib-abc123- is already used by another tenant");
  expect_refusal({"tenant", "add", "--name", "New", "--email", "new@example.com", "--prefix", "ib-ABC-"},
                 "prefix must match ^ib-[a-z0-9]{3,32}-$ (for example ib-abc123-)");
  expect_refusal({"tenant", "add", "--name", "New", "--email", "new@example.com", "--prefix", "abc123"},
                 "prefix must match ^ib-[a-z0-9]{3,32}-$ (for example ib-abc123-)");
  expect_refusal({"tenant", "add", "--name", "New", "--email", "not-an-email"},
                 "email must have the form name@domain.tld");
  expect_refusal({"tenant", "add", "--name", "  ", "--email", "new@example.com"}, "name is required");
  expect_refusal({"tenant", "add", "--name", "New'; DROP TABLE tenants; --\x01", "--email", "new@example.com"},
                 "name must be UTF-8 text without control characters");
}

BOOST_FIXTURE_TEST_CASE(tenant_list_never_prints_credentials, MigratedRelay) {
  auto added = relay({"tenant", "add", "--name", "John", "--email", "john@example.com"});
  BOOST_REQUIRE(added.exit_code == 0);
  const auto tenant = json::parse(added.out);
  for (const char* format : {"text", "json"}) {
    auto listed = relay({"tenant", "list", "--format", format});
    BOOST_TEST_CONTEXT(format) {
      BOOST_TEST(listed.exit_code == 0);
      BOOST_TEST(listed.out.find(tenant["id"].get<std::string>()) != std::string::npos);
      BOOST_TEST(listed.out.find(tenant["api_key"].get<std::string>()) == std::string::npos);
      BOOST_TEST(listed.out.find(tenant["rule_token"].get<std::string>()) == std::string::npos);
      BOOST_TEST(listed.out.find("api_key") == std::string::npos);
    }
  }
  const auto as_json = json::parse(relay({"tenant", "list", "--format", "json"}).out);
  BOOST_TEST(as_json.size() == 1u);
  BOOST_TEST(as_json[0]["prefix"] == tenant["prefix"]);
}

BOOST_FIXTURE_TEST_CASE(rotate_keys_prints_new_credentials_once, MigratedRelay) {
  const auto tenant = json::parse(relay({"tenant", "add", "--name", "John", "--email", "john@example.com"}).out);
  const std::string id = tenant["id"];
  auto token_only = relay({"tenant", "rotate-keys", "--tenant", id, "--rule-token"});
  BOOST_REQUIRE_MESSAGE(token_only.exit_code == 0, token_only.err);
  const auto rotated = json::parse(token_only.out);
  BOOST_TEST(!rotated.contains("api_key"));
  BOOST_TEST(rotated["rule_token"] != tenant["rule_token"]);

  const auto both = json::parse(relay({"tenant", "rotate-keys", "--tenant", id}).out);
  BOOST_TEST(both.contains("api_key"));
  BOOST_TEST(both.contains("rule_token"));
  BOOST_TEST(both["api_key"] != tenant["api_key"]);

  expect_refusal({"tenant", "rotate-keys", "--tenant", "nope"},
                 "--tenant must be a tenant id (a UUID, see `tenant list`)");
  expect_refusal({"tenant", "rotate-keys", "--tenant", "00000000-0000-0000-0000-000000000000"},
                 "no tenant with id 00000000-0000-0000-0000-000000000000");
}

BOOST_FIXTURE_TEST_CASE(tenant_workflows_prints_exact_tags_and_urls, MigratedRelay) {
  const auto tenant = json::parse(relay({"tenant", "add", "--name", "John", "--email", "john@example.com", "--prefix", "ib-abc123-"}).out);
  const std::string id = tenant["id"];
  auto text = relay({"tenant", "workflows", "--tenant", id});
  BOOST_REQUIRE_MESSAGE(text.exit_code == 0, text.err);
  for (const char* tag : {"ib-abc123-demo-request", "ib-abc123-high-volume", "ib-abc123-inactive", "ib-abc123-engaged"}) {
    BOOST_TEST(text.out.find(tag) != std::string::npos, tag);
  }
  BOOST_TEST(text.out.find("/webhooks/systeme/rules/<rule_token>/email-opened") != std::string::npos);
  BOOST_TEST(text.out.find(tenant["rule_token"].get<std::string>()) == std::string::npos);

  auto full = relay({"tenant", "workflows", "--tenant", id, "--format", "json", "--rule-token", tenant["rule_token"]});
  BOOST_REQUIRE(full.exit_code == 0);
  const auto doc = json::parse(full.out);
  BOOST_TEST(doc["triggers"][0]["trigger_tag"] == "ib-abc123-demo-request");
  BOOST_TEST(doc["rule_webhooks"]["email-opened"] ==
             "http://127.0.0.1:8080/webhooks/systeme/rules/" + tenant["rule_token"].get<std::string>() + "/email-opened");

  const auto other = json::parse(relay({"tenant", "add", "--name", "Sarah", "--email", "sarah@example.com"}).out);
  auto wrong = relay({"tenant", "workflows", "--tenant", id, "--rule-token", other["rule_token"]});
  BOOST_TEST(wrong.exit_code == 2);
  BOOST_TEST(wrong.err == "clientflow-relay: error: --rule-token is not this tenant's rule token\n");
}

BOOST_FIXTURE_TEST_CASE(lifecycle_and_outbox_commands_refuse_bad_input, MigratedRelay) {
  const auto tenant = json::parse(relay({"tenant", "add", "--name", "John", "--email", "j@example.com"}).out);
  const std::string id = tenant["id"];
  BOOST_TEST(relay({"tenant", "delete", "--tenant", id}).exit_code == 2);  // --confirm is required
  BOOST_TEST(relay({"tenant", "suspend", "--tenant", "not-a-uuid"}).exit_code == 2);
  BOOST_TEST(relay({"tenant", "update", "--tenant", id}).exit_code == 2);  // nothing to update
  const auto bad_email = relay({"tenant", "update", "--tenant", id, "--email", "nope"});
  BOOST_TEST(bad_email.exit_code == 2);
  BOOST_TEST(relay({"outbox", "retry"}).exit_code == 2);  // no selection
  BOOST_TEST(relay({"outbox", "discard", "--job", "1", "--all-failed"}).exit_code == 2);
  BOOST_TEST(relay({"outbox", "list", "--state", "stuck"}).exit_code == 2);
  const auto listed = json::parse(relay({"tenant", "list", "--format", "json"}).out);
  BOOST_TEST(listed[0]["email"] == "j@example.com");
  BOOST_TEST(listed[0]["state"] == "active");

  const auto renamed = json::parse(relay({"tenant", "update", "--tenant", id, "--name", "John Ltd"}).out);
  BOOST_TEST(renamed["name"] == "John Ltd");
  BOOST_TEST(relay({"tenant", "suspend", "--tenant", id}).exit_code == 0);
  const auto workflows = relay({"tenant", "workflows", "--tenant", id});
  BOOST_TEST(workflows.out.find("This tenant is suspended") != std::string::npos, workflows.out);
}
