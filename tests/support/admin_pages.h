// AdminPages: the world the paged admin listings are tested in: TwoTenants served by the real
// binary with an admin token, a GET as admin, a walk that follows next_cursor through every page,
// and the ids a query reads straight from the database. For Boost.Test test files (it checks
// each page with BOOST_REQUIRE).
#pragma once

#include <signal.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/two_tenants.h"

namespace cf::testing {

struct AdminPages : TwoTenants {
  std::string config = write_admin_config(db.url(), admin_token, secret);
  Serving serving = serve(config);

  HttpResponse admin(const std::string& path) { return api_request("GET", serving.base + path, admin_token); }

  // Follows next_cursor from `path` (which has a query string), calling `between` after each page;
  // the ids seen, in order, and how many items each page had.
  std::vector<long long> walk(const std::string& path, std::vector<std::size_t>& sizes,
                              const std::function<void(int)>& between = [](int) {}) {
    std::vector<long long> ids;
    std::string url = path;
    for (int page = 0; page < 1000; ++page) {
      const auto answer = admin(url);
      BOOST_REQUIRE_MESSAGE(answer.status == 200, url << ": " << answer.body);
      const auto body = nlohmann::json::parse(answer.body);
      BOOST_REQUIRE_MESSAGE(body.contains("next_cursor"), url << ": " << answer.body);
      sizes.push_back(body["items"].size());
      for (const auto& item : body["items"]) ids.push_back(item["id"].get<long long>());
      between(page);
      if (body["next_cursor"].is_null()) return ids;
      url = path + "&cursor=" + url_encode(body["next_cursor"].get<std::string>());
    }
    BOOST_FAIL("the cursor never ended");
    return ids;
  }

  std::vector<long long> ids_in(const std::string& query) {
    pqxx::read_transaction tx(*c);
    std::vector<long long> ids;
    for (const auto& row : tx.exec(query)) ids.push_back(row[0].as<long long>());
    return ids;
  }

  ~AdminPages() { serving.daemon->stop(SIGTERM); }
};

}  // namespace cf::testing
