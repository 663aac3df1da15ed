// TenantStore against a real PostgreSQL: creation, credentials stored only as hashes, lookups,
// refusals that leave nothing behind, and key rotation.
#define BOOST_TEST_MODULE tenants
#include <boost/test/unit_test.hpp>

#include <regex>

#include "store/tenants.h"
#include "tests/support/test_database.h"

using cf::store::TenantDraft;
using cf::store::TenantStore;
using cf::testing::TestDatabase;

namespace {

struct Migrated {
  TestDatabase db;
  std::unique_ptr<pqxx::connection> c;
  Migrated() {
    db.migrate();
    c = db.connect();
  }
  int tenant_count() {
    pqxx::read_transaction tx(*c);
    return tx.exec1("SELECT count(*) FROM tenants")[0].as<int>();
  }
};

TenantDraft draft(const std::string& name, const std::string& email, const std::string& prefix = "") {
  auto made = TenantDraft::make(name, email, prefix);
  BOOST_REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.error().message));
  return *made;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(add_generates_prefix_and_credentials, Migrated) {
  TenantStore tenants(*c);
  auto created = tenants.add(draft("  John's Forex  ", " John@Example.com "));
  BOOST_REQUIRE(created.ok());
  BOOST_TEST(created->tenant.name == "John's Forex");
  BOOST_TEST(created->tenant.email == "john@example.com");
  BOOST_TEST(std::regex_match(created->tenant.prefix, std::regex("^ib-[a-z0-9]{8}-$")));
  BOOST_TEST(std::regex_match(*created->keys.api_key, std::regex("^cfk_[0-9A-Za-z]{40}$")));
  BOOST_TEST(std::regex_match(*created->keys.rule_token, std::regex("^[a-z0-9]{40}$")));
  BOOST_TEST(std::regex_match(created->tenant.created_at, std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$)")));

  // Credentials resolve to the tenant, and are stored only as their SHA-256.
  BOOST_TEST(tenants.find_by_api_key(*created->keys.api_key)->id == created->tenant.id);
  BOOST_TEST(tenants.find_by_rule_token(*created->keys.rule_token)->id == created->tenant.id);
  BOOST_TEST((tenants.find_by_api_key(*created->keys.rule_token).error().kind == cf::ErrorKind::not_found));
  pqxx::read_transaction tx(*c);
  const auto row = tx.exec_params1(
      "SELECT encode(api_key_hash, 'hex'), encode(sha256(convert_to($2, 'UTF8')), 'hex'), "
      "       position($2 in t::text), position($3 in t::text) FROM tenants t WHERE id = $1",
      created->tenant.id, *created->keys.api_key, *created->keys.rule_token);
  BOOST_TEST(row[0].as<std::string>() == row[1].as<std::string>());
  BOOST_TEST(row[2].as<int>() == 0);
  BOOST_TEST(row[3].as<int>() == 0);
}

BOOST_FIXTURE_TEST_CASE(explicit_prefix_is_kept_and_must_be_unused, Migrated) {
  TenantStore tenants(*c);
  auto first = tenants.add(draft("John", "john@example.com", "ib-abc123-"));
  BOOST_REQUIRE(first.ok());
  BOOST_TEST(first->tenant.prefix == "ib-abc123-");
  auto second = tenants.add(draft("Sarah", "sarah@example.com", "ib-abc123-"));
  BOOST_REQUIRE(!second.ok());
  BOOST_TEST((second.error().kind == cf::ErrorKind::conflict));
  BOOST_TEST(second.error().message == "prefix ib-abc123- is already used by another tenant");
  BOOST_TEST(tenant_count() == 1);
}

BOOST_AUTO_TEST_CASE(draft_refusals) {
  const auto refuse = [](const std::string& name, const std::string& email, const std::string& prefix,
                         const std::string& message) {
    auto made = TenantDraft::make(name, email, prefix);
    BOOST_TEST_CONTEXT(name << " / " << email << " / " << prefix) {
      BOOST_REQUIRE(!made.ok());
      BOOST_TEST(made.error().message == message);
      BOOST_TEST((made.error().kind == cf::ErrorKind::invalid_input));
    }
  };
  refuse("", "a@b.co", "", "name is required");
  refuse("   ", "a@b.co", "", "name is required");
  refuse(std::string(201, 'n'), "a@b.co", "", "name must be at most 200 bytes");
  refuse("bad\x07name", "a@b.co", "", "name must be UTF-8 text without control characters");
  refuse("bad \xff name", "a@b.co", "", "name must be UTF-8 text without control characters");
  refuse("John", "", "", "email is required");
  refuse("John", "john", "", "email must have the form name@domain.tld");
  refuse("John", "john@example.com", "IB-ABC123-", "prefix must match ^ib-[a-z0-9]{3,32}-$ (for example ib-abc123-)");
  refuse("John", "john@example.com", "ib-ab-", "prefix must match ^ib-[a-z0-9]{3,32}-$ (for example ib-abc123-)");
}

BOOST_FIXTURE_TEST_CASE(list_is_oldest_first_without_credentials, Migrated) {
  TenantStore tenants(*c);
  BOOST_REQUIRE(tenants.add(draft("One", "one@example.com", "ib-one111-")).ok());
  BOOST_REQUIRE(tenants.add(draft("Two", "two@example.com", "ib-two222-")).ok());
  auto all = tenants.list();
  BOOST_REQUIRE(all.ok());
  BOOST_REQUIRE(all->size() == 2u);
  BOOST_TEST((*all)[0].name == "One");
  BOOST_TEST((*all)[1].prefix == "ib-two222-");
}

BOOST_FIXTURE_TEST_CASE(rotation_replaces_only_what_is_asked, Migrated) {
  TenantStore tenants(*c);
  auto created = tenants.add(draft("John", "john@example.com"));
  BOOST_REQUIRE(created.ok());
  const auto old_key = *created->keys.api_key;
  const auto old_token = *created->keys.rule_token;

  auto rotated = tenants.rotate_keys(created->tenant.id, true, false);
  BOOST_REQUIRE(rotated.ok());
  BOOST_REQUIRE(rotated->keys.api_key.has_value());
  BOOST_TEST(!rotated->keys.rule_token.has_value());
  BOOST_TEST(*rotated->keys.api_key != old_key);
  BOOST_TEST((tenants.find_by_api_key(old_key).error().kind == cf::ErrorKind::not_found));
  BOOST_TEST(tenants.find_by_api_key(*rotated->keys.api_key)->id == created->tenant.id);
  BOOST_TEST(tenants.find_by_rule_token(old_token).ok());

  auto both = tenants.rotate_keys(created->tenant.id, true, true);
  BOOST_REQUIRE(both.ok());
  BOOST_TEST((tenants.find_by_rule_token(old_token).error().kind == cf::ErrorKind::not_found));
  BOOST_TEST(tenants.find_by_rule_token(*both->keys.rule_token)->id == created->tenant.id);
}

BOOST_FIXTURE_TEST_CASE(rotation_refusals, Migrated) {
  TenantStore tenants(*c);
  auto bad_id = tenants.rotate_keys("not-a-uuid", true, true);
  BOOST_TEST((bad_id.error().kind == cf::ErrorKind::invalid_input));
  auto missing = tenants.rotate_keys("00000000-0000-0000-0000-000000000000", true, true);
  BOOST_TEST((missing.error().kind == cf::ErrorKind::not_found));
  BOOST_TEST(missing.error().message == "no tenant with id 00000000-0000-0000-0000-000000000000");
}

BOOST_FIXTURE_TEST_CASE(update_suspend_and_resume, Migrated) {
  TenantStore tenants(*c);
  const auto john = *tenants.add(draft("John", "john@example.com", "ib-aaa111-"));
  const auto sarah = *tenants.add(draft("Sarah", "sarah@example.com", "ib-bbb222-"));

  const auto renamed = tenants.update(john.tenant.id, std::string("  John Ltd "), std::nullopt);
  BOOST_REQUIRE(renamed.ok());
  BOOST_TEST(renamed->name == "John Ltd");
  BOOST_TEST(renamed->email == "john@example.com");
  const auto moved = tenants.update(john.tenant.id, std::nullopt, std::string(" Desk@John.example "));
  BOOST_TEST(moved->email == "desk@john.example");
  BOOST_TEST(moved->name == "John Ltd");
  const auto bad = tenants.update(john.tenant.id, std::nullopt, std::string("not an email"));
  BOOST_TEST(!bad.ok());
  BOOST_TEST((bad.error().kind == cf::ErrorKind::invalid_input));
  BOOST_TEST(tenants.find(john.tenant.id)->email == "desk@john.example");  // nothing half-written
  BOOST_TEST((tenants.update("7d5e0c1a-0000-4000-8000-000000000000", std::string("X"), std::nullopt).error().kind ==
              cf::ErrorKind::not_found));

  BOOST_TEST(tenants.set_suspended(john.tenant.id, true)->state == "suspended");
  auto hashes = tenants.credential_hashes();
  BOOST_TEST(hashes->suspended.size() == 1u);
  BOOST_TEST(hashes->suspended.count(john.tenant.id) == 1u);
  BOOST_TEST(tenants.find_by_api_key(*john.keys.api_key)->suspended());
  BOOST_TEST(!tenants.find_by_api_key(*sarah.keys.api_key)->suspended());
  BOOST_TEST(tenants.set_suspended(john.tenant.id, false)->state == "active");
  BOOST_TEST(tenants.credential_hashes()->suspended.empty());
}
