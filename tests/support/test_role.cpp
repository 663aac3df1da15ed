#include "tests/support/test_role.h"

#include <stdexcept>

#include <pqxx/pqxx>

#include "common/crypto.h"
#include "store/database.h"

namespace cf::testing {

TestRole::TestRole()
    : name_("cf_role_" + crypto::random_string(12, "abcdefghijklmnopqrstuvwxyz0123456789")),
      password_(crypto::random_string(24, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")) {}

TestRole::~TestRole() {
  try {
    pqxx::connection admin(cluster_url());
    pqxx::nontransaction(admin).exec0("DROP ROLE IF EXISTS " + name_);
  } catch (const std::exception&) {
    // A role left behind in a throwaway cluster is harmless.
  }
}

std::string TestRole::url_for(const TestDatabase& db) const {
  auto url = store::conninfo_with(db.url(), {{"user", name_}, {"password", password_}});
  if (!url) throw std::runtime_error(url.error().message);
  return *url;
}

}  // namespace cf::testing
