// The admin listings beside events and findings, through the real binary: GET /admin/erasures
// walks every audit entry exactly once, newest first, while entries are added, and filters by
// scope and tenant exactly; GET /admin/outbox hands out the cursors every listing shares and
// names the bad parameter; `outbox list` shows pending and failed jobs unless asked for another
// state; GET /v1/stats?tz= takes the zones PostgreSQL knows, in any case, and refuses the others.
#define BOOST_TEST_MODULE admin_lists
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <algorithm>
#include <functional>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/page_cursor.h"

#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/test_database.h"
#include "tests/support/admin_pages.h"
#include "tests/support/two_tenants.h"

using namespace cf;
using namespace cf::testing;
using nlohmann::json;

namespace {

struct Lists : AdminPages {
  // `n` audit entries written straight to the table: global ones, or `tenant_id`'s.
  void erasures(int n, const std::string& tenant_id = "") {
    pqxx::work tx(*c);
    tx.exec_params0("INSERT INTO erasures (scope, erased_by, tenant, counts) SELECT CASE WHEN $1 = '' THEN 'global' "
                    "ELSE 'tenant' END, 'dpo', NULLIF($1, '')::uuid, '{\"leads\": 1}' FROM generate_series(1, $2)",
                    tenant_id, n);
    tx.commit();
  }

  Completed cli(std::vector<std::string> args) {
    args.insert(args.begin(), relay_binary());
    args.push_back("--config");
    args.push_back(config);
    return run(args);
  }

  std::string field_of(const HttpResponse& answer) {
    const auto body = json::parse(answer.body, nullptr, false);
    return answer.status == 400 && body.is_object() ? body.value("field", "") : "(" + std::to_string(answer.status) + ")";
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(erasures_walk_every_entry_once_while_entries_arrive, Lists) {
  erasures(20);
  erasures(15, a.tenant.id);
  erasures(6, b.tenant.id);
  const auto before = ids_in("SELECT id FROM erasures ORDER BY id DESC");
  BOOST_REQUIRE(before.size() == 41u);

  // Between pages, new erasures are recorded (newer than every page walked): not in this walk.
  std::vector<std::size_t> sizes;
  const auto seen = walk("/admin/erasures?limit=9", sizes, [&](int page) { erasures(page % 2 ? 1 : 2, a.tenant.id); });
  BOOST_TEST(seen == before);
  BOOST_TEST(sizes == std::vector<std::size_t>({9, 9, 9, 9, 5}));

  // The default limit is 50; 41 + 2 + 1 + 2 + 1 + 2 = 49 entries now.
  sizes.clear();
  BOOST_TEST(walk("/admin/erasures?scope=global", sizes).size() == 20u);
  BOOST_TEST(sizes == std::vector<std::size_t>({20}));
  sizes.clear();
  BOOST_TEST(walk("/admin/erasures?limit=500", sizes).size() == 49u);
  BOOST_TEST(sizes == std::vector<std::size_t>({49}));
  sizes.clear();
  BOOST_TEST(walk("/admin/erasures?x=1", sizes).size() == 49u);
  BOOST_TEST(sizes == std::vector<std::size_t>({49}));

  // Filters, exact.
  sizes.clear();
  const auto of_a = walk("/admin/erasures?tenant=" + a.tenant.id + "&limit=4", sizes);
  BOOST_TEST(of_a == ids_in("SELECT id FROM erasures WHERE tenant = '" + a.tenant.id + "' ORDER BY id DESC"));
  BOOST_TEST(of_a.size() == 23u);
  sizes.clear();
  BOOST_TEST(walk("/admin/erasures?scope=tenant&tenant=" + b.tenant.id, sizes).size() == 6u);
  sizes.clear();
  BOOST_TEST(walk("/admin/erasures?scope=tenant", sizes).size() == 29u);
  sizes.clear();
  BOOST_TEST(walk("/admin/erasures?scope=global&tenant=" + a.tenant.id, sizes).size() == 0u);
  const auto first = json::parse(admin("/admin/erasures?scope=tenant&limit=1").body)["items"][0];
  BOOST_TEST(first["scope"] == "tenant");
  BOOST_TEST(first["tenant_id"] == a.tenant.id);
  BOOST_TEST(first["erased_by"] == "dpo");
  BOOST_TEST(first["counts"] == json({{"leads", 1}}));

  // Bad parameters are 400 naming the one at fault; a cursor of another listing is not one.
  BOOST_TEST(field_of(admin("/admin/erasures?limit=0")) == "limit");
  BOOST_TEST(field_of(admin("/admin/erasures?limit=501")) == "limit");
  BOOST_TEST(field_of(admin("/admin/erasures?cursor=not-ours")) == "cursor");
  BOOST_TEST(field_of(admin("/admin/erasures?cursor=" + encode_page_cursor(json::array({1, 2})))) == "cursor");
  BOOST_TEST(field_of(admin("/admin/erasures?scope=everyone")) == "scope");
  BOOST_TEST(field_of(admin("/admin/erasures?tenant=ib-aaa111-")) == "tenant");
  BOOST_TEST(api_request("GET", serving.base + "/admin/erasures", *a.keys.api_key).status == 401);
}

BOOST_FIXTURE_TEST_CASE(outbox_listing_shares_the_cursor_and_lists_open_jobs_by_default, Lists) {
  // Without a Systeme.io key, captured leads' jobs wait: four pending, then one each made done,
  // failed and discarded.
  for (const char* email : {"o1@example.com", "o2@example.com", "o3@example.com", "o4@example.com"}) {
    BOOST_REQUIRE(post_lead_capture(serving.base, *a.keys.api_key, email).status == 201);
  }
  const auto jobs = ids_in("SELECT id FROM outbox_jobs ORDER BY id");
  BOOST_REQUIRE(jobs.size() == 4u);
  {
    pqxx::work tx(*c);
    tx.exec_params0("UPDATE outbox_jobs SET done_at = now() WHERE id = $1", jobs[0]);
    tx.exec_params0("UPDATE outbox_jobs SET failed_at = now(), attempts = 3, last_error = 'HTTP 401' WHERE id = $1", jobs[1]);
    tx.exec_params0("UPDATE outbox_jobs SET failed_at = now(), discarded_at = now(), discarded_by = 'ops' WHERE id = $1",
                    jobs[2]);
    tx.commit();
  }

  // The cursor is the one every listing hands out; walking it sees every job once, oldest first.
  const auto page = json::parse(admin("/admin/outbox?limit=3").body);
  BOOST_REQUIRE(page["items"].size() == 3u);
  BOOST_TEST(decode_page_cursor(page["next_cursor"].get<std::string>(), "i").ok());
  std::vector<std::size_t> sizes;
  BOOST_TEST(walk("/admin/outbox?limit=3", sizes) == jobs);
  BOOST_TEST(sizes == std::vector<std::size_t>({3, 1}));
  sizes.clear();
  BOOST_TEST(walk("/admin/outbox?state=failed", sizes) == std::vector<long long>({jobs[1]}));
  BOOST_TEST(field_of(admin("/admin/outbox?limit=0")) == "limit");
  BOOST_TEST(field_of(admin("/admin/outbox?limit=abc")) == "limit");
  BOOST_TEST(field_of(admin("/admin/outbox?cursor=12x")) == "cursor");
  BOOST_TEST(field_of(admin("/admin/outbox?cursor=" + encode_page_cursor(json::array({"x"})))) == "cursor");
  BOOST_TEST(field_of(admin("/admin/outbox?tenant=nope")) == "tenant");
  BOOST_TEST(field_of(admin("/admin/outbox?state=stuck")) == "state");

  // `outbox list` shows what needs an eye (pending and failed) unless a state is asked for.
  const auto open = cli({"outbox", "list", "--format", "json"});
  BOOST_REQUIRE_MESSAGE(open.exit_code == 0, open.err);
  std::vector<std::string> states;
  for (const auto& job : json::parse(open.out)) states.push_back(job["state"].get<std::string>());
  BOOST_TEST(states == std::vector<std::string>({"failed", "pending"}));
  const auto text = cli({"outbox", "list"});
  BOOST_TEST(std::count(text.out.begin(), text.out.end(), '\n') == 3);  // header and two jobs
  const auto done = cli({"outbox", "list", "--state", "done", "--format", "json"});
  BOOST_REQUIRE_MESSAGE(done.exit_code == 0, done.err);
  BOOST_TEST(json::parse(done.out).size() == 1u);
  BOOST_TEST(json::parse(done.out)[0]["id"] == jobs[0]);
  BOOST_TEST(cli({"outbox", "list", "--help"}).out.find("default: pending and failed") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(stats_take_the_zones_postgresql_knows_in_any_case, Lists) {
  const auto stats = [&](const std::string& query) { return api_request("GET", serving.base + "/v1/stats" + query, *a.keys.api_key); };
  for (const std::string zone : {"UTC", "Europe%2FParis", "europe%2Fparis", "EUROPE%2FPARIS", "America%2FNew_York", "utc"}) {
    const auto answer = stats("?tz=" + zone);
    BOOST_TEST(answer.status == 200, zone << ": " << answer.body);
  }
  BOOST_TEST(stats("?tz=europe%2Fparis").body == stats("?tz=Europe%2FParis").body);
  for (const std::string bad : {"Mars%2FOlympus", "..%2Fetc", "Europe%2FParis%3B", "", "Europe%2FParis%20", "PST8PDT%2B1"}) {
    const auto refused = stats("?tz=" + bad);
    BOOST_TEST(refused.status == 400, bad);
    BOOST_TEST(field_of(refused) == "tz", bad);
  }
}
