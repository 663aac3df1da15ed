#include "tests/support/test_database.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <libpq-fe.h>

#include "common/crypto.h"
#include "store/database.h"
#include "store/migrations.h"

namespace cf::testing {

std::string cluster_url() {
  const char* url = std::getenv("CLIENTFLOW_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error(
        "CLIENTFLOW_TEST_DATABASE_URL is not set: run the suite through ./scripts/test");
  }
  return url;
}

TestDatabase::TestDatabase() : TestDatabase(cluster_url()) {}

TestDatabase::TestDatabase(std::string cluster)
    : admin_url_(std::move(cluster)),
      name_("cf_test_" + crypto::random_string(12, "abcdefghijklmnopqrstuvwxyz0123456789")) {
  pqxx::connection admin(admin_url_);
  pqxx::nontransaction(admin).exec0("CREATE DATABASE " + name_);
  auto url = store::conninfo_with(admin_url_, {{"dbname", name_}});
  if (!url) throw std::runtime_error(url.error().message);
  url_ = *url;
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction(admin).exec0("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // Leaving a database behind in a throwaway cluster is harmless.
  }
}

std::string TestDatabase::password() const {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url_.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    throw std::runtime_error("test database URL does not parse");
  }
  std::string password;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (std::string(option->keyword) == "password" && option->val != nullptr) password = option->val;
  }
  PQconninfoFree(options);
  if (password.empty()) throw std::runtime_error("the test database URL holds no password");
  return password;
}

std::unique_ptr<pqxx::connection> TestDatabase::connect() const {
  return std::make_unique<pqxx::connection>(url_);
}

void TestDatabase::load(const std::string& path) const {
  std::ifstream file(std::string(CLIENTFLOW_SOURCE_DIR) + "/" + path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << file.rdbuf();
  auto connection = connect();
  pqxx::work tx(*connection);
  tx.exec0(text.str());
  tx.commit();
}

void TestDatabase::migrate() const {
  auto connection = connect();
  auto report = store::migrate(*connection);
  if (!report) throw std::runtime_error("migrate failed: " + report.error().message);
}

}  // namespace cf::testing
