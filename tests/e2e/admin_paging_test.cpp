// Paging through the real binary: GET /admin/events and GET /admin/findings walk every row
// exactly once, newest first, while rows are being added (ties of receipt time included), their
// filters count exactly, bad limits and cursors are 400 naming the parameter; the report page
// shows 50 findings a page, searches by email and shows each tenant's lead side by side; a lead's
// whole timeline pages through GET /v1/leads/{id}/events, and another tenant's lead is 404.
#define BOOST_TEST_MODULE admin_paging
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <functional>
#include <regex>
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

struct Paging : AdminPages {
  // `n` stored deliveries written straight to the table, all received at `at` (ties broken by id).
  void deliveries(int n, const std::string& status, const std::string& email, long long contact, const std::string& at,
                  const std::string& key) {
    pqxx::work tx(*c);
    tx.exec_params0("INSERT INTO webhook_events (dedup_key, source, event_type, status, contact_id, email, received_at, "
                    "routed_tenant_id) SELECT $1 || g, 'account', 'CONTACT_CREATED', $2, $3, $4, $5::timestamptz, "
                    "CASE WHEN $2 = 'routed' THEN $6::uuid END FROM generate_series(1, $7) g",
                    key, status, contact, email, at, a.tenant.id, n);
    tx.commit();
  }

  // `n` findings of `kind` written straight to the table, each about its own email.
  void findings(int n, const std::string& kind, const std::string& key, const std::string& tenant_id) {
    pqxx::work tx(*c);
    tx.exec_params0("INSERT INTO findings (kind, subject, tenants, evidence, fingerprint) "
                    "SELECT $1, $2 || g || '@example.com', jsonb_build_array(jsonb_build_object('tenant_id', $3::text, "
                    "'lead_id', NULL, 'captured_at', NULL)), jsonb_build_object('email', $2 || g || '@example.com', "
                    "'contact_ids', jsonb_build_array(5000 + g)), 'f' FROM generate_series(1, $4) g",
                    kind, key, tenant_id, n);
    tx.commit();
  }
};

std::set<long long> as_set(const std::vector<long long>& ids) { return {ids.begin(), ids.end()}; }

// How many times `text` occurs in `page`.
long occurrences(const std::string& page, const std::string& text) {
  long n = 0;
  for (auto at = page.find(text); at != std::string::npos; at = page.find(text, at + 1)) ++n;
  return n;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(events_walk_every_row_once_while_rows_arrive, Paging) {
  // 40 unrouted deliveries received at the same instant, 23 an hour later, 30 routed ones.
  deliveries(40, "no_prefix", "p@example.com", 7, "2026-11-01T10:00:00Z", "tie-");
  deliveries(23, "ambiguous", "q@example.com", 8, "2026-11-01T11:00:00Z", "later-");
  deliveries(30, "routed", "p@example.com", 7, "2026-11-01T09:00:00Z", "routed-");
  const auto before = ids_in("SELECT id FROM webhook_events WHERE status <> 'routed' ORDER BY received_at DESC, id DESC");
  BOOST_REQUIRE(before.size() == 63u);

  // Between pages, new deliveries arrive through the daemon (newer than every page walked).
  std::vector<std::size_t> sizes;
  const auto seen = walk("/admin/events?status=unrouted&limit=7", sizes, [&](int page) {
    const auto body = tag_body(900 + page, "new" + std::to_string(page) + "@example.com", "ib-zzz999-x");
    BOOST_REQUIRE(post_account_webhook(serving.base, secret, "CONTACT_TAG_ADDED", body, "arrive-" + std::to_string(page)).status == 200);
  });
  BOOST_TEST(seen == before);  // every row once, in order: no gap, no duplicate
  BOOST_TEST(sizes == std::vector<std::size_t>({7, 7, 7, 7, 7, 7, 7, 7, 7}));
  BOOST_TEST(as_set(seen).size() == 63u);

  // Every status, with the default limit (50): 63 + 30 + the 9 that arrived.
  sizes.clear();
  BOOST_TEST(walk("/admin/events?status=all", sizes).size() == 102u);
  BOOST_TEST(sizes == std::vector<std::size_t>({50, 50, 2}));
}

BOOST_FIXTURE_TEST_CASE(events_filters_count_exactly, Paging) {
  deliveries(12, "no_prefix", "p@example.com", 7, "2026-11-01T10:00:00Z", "p-");
  deliveries(5, "ambiguous", "q@example.com", 8, "2026-11-02T10:00:00Z", "q-");
  deliveries(9, "routed", "p@example.com", 7, "2026-11-03T10:00:00Z", "r-");
  const auto count = [&](const std::string& query) {
    std::vector<std::size_t> sizes;
    return walk("/admin/events?" + query, sizes).size();
  };
  BOOST_TEST(count("status=unrouted") == 17u);
  BOOST_TEST(count("status=no_prefix") == 12u);
  BOOST_TEST(count("status=routed") == 9u);
  BOOST_TEST(count("status=all&email=%20P@Example.COM%20") == 21u);  // normalised as elsewhere
  BOOST_TEST(count("status=all&contact_id=8") == 5u);
  BOOST_TEST(count("status=all&tenant=" + a.tenant.id) == 9u);
  BOOST_TEST(count("status=all&tenant=" + b.tenant.id) == 0u);
  BOOST_TEST(count("status=all&from=2026-11-02T00:00:00Z") == 14u);
  BOOST_TEST(count("status=all&from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z") == 5u);
  BOOST_TEST(count("status=all&to=2026-11-01T10:00:00.001%2B00:00") == 12u);

  // What decided a delivery's status: the tag it carries and that tag's prefix.
  const auto body = tag_body(31, "u@example.com", "ib-zzz999-vip");
  BOOST_REQUIRE(post_account_webhook(serving.base, secret, "CONTACT_TAG_ADDED", body, "decided").status == 200);
  // Without a tag, the one prefix among the contact's tags.
  const auto created = contact_body(32, "v@example.com", {"ib-yyy888-a", "plain"});
  BOOST_REQUIRE(post_account_webhook(serving.base, secret, "CONTACT_CREATED", created, "decided-2").status == 200);
  const auto snapshot = json::parse(admin("/admin/events?status=all&contact_id=32").body);
  BOOST_REQUIRE(snapshot["items"].size() == 1u);
  BOOST_TEST(snapshot["items"][0]["decided_by"] == json({{"tag", nullptr}, {"prefix", "ib-yyy888-"}}));
  const auto listed = json::parse(admin("/admin/events?status=unknown_prefix").body);
  BOOST_REQUIRE(listed["items"].size() == 1u);
  BOOST_TEST(listed["items"][0]["decided_by"] == json({{"tag", "ib-zzz999-vip"}, {"prefix", "ib-zzz999-"}}));
  BOOST_TEST(listed["next_cursor"].is_null());
}

BOOST_FIXTURE_TEST_CASE(bad_limits_and_cursors_name_the_parameter, Paging) {
  const auto refused = [&](const std::string& path, const std::string& field) {
    const auto answer = admin(path);
    BOOST_TEST(answer.status == 400, path);
    BOOST_TEST(json::parse(answer.body).value("field", "") == field, path);
  };
  for (const std::string listing : {"/admin/events?", "/admin/findings?"}) {
    refused(listing + "limit=0", "limit");
    refused(listing + "limit=501", "limit");
    refused(listing + "limit=ten", "limit");
    refused(listing + "limit=", "limit");
    refused(listing + "cursor=not-a-cursor", "cursor");
    refused(listing + "tenant=nobody", "tenant");
    refused(listing + "contact_id=-4", "contact_id");
    refused(listing + "email=", "email");
  }
  // [1] is a findings cursor, [1,2] an events cursor: neither is the other's.
  refused("/admin/events?cursor=WzFd", "cursor");
  refused("/admin/findings?cursor=WzEsMl0", "cursor");
  BOOST_TEST(admin("/admin/findings?cursor=WzFd").status == 200);
  BOOST_TEST(admin("/admin/events?cursor=WzEsMl0").status == 200);
  refused("/admin/events?from=yesterday", "from");
  refused("/admin/events?status=everything", "status");
  refused("/admin/findings?kind=typo", "kind");
  BOOST_TEST(admin("/admin/events?limit=500").status == 200);
  BOOST_TEST(admin("/admin/events?limit=1").status == 200);
}

BOOST_FIXTURE_TEST_CASE(findings_walk_every_row_once_and_filter, Paging) {
  findings(70, "shared_contact", "s", a.tenant.id);
  findings(45, "unknown_prefix", "u", b.tenant.id);
  const auto before = ids_in("SELECT id FROM findings ORDER BY id DESC");
  std::vector<std::size_t> sizes;
  int added = 0;
  const auto seen = walk("/admin/findings?status=all", sizes, [&](int page) {
    findings(3, "owner_mismatch", "new" + std::to_string(page) + "-", a.tenant.id);
    added += 3;
  });
  BOOST_TEST(seen == before);
  BOOST_TEST(sizes == std::vector<std::size_t>({50, 50, 15}));
  BOOST_TEST(added == 9);

  const auto count = [&](const std::string& query) {
    std::vector<std::size_t> page_sizes;
    return walk("/admin/findings?" + query, page_sizes).size();
  };
  BOOST_TEST(count("status=open") == 124u);
  BOOST_TEST(count("status=open&kind=unknown_prefix") == 45u);
  BOOST_TEST(count("status=all&tenant=" + b.tenant.id) == 45u);
  BOOST_TEST(count("status=all&tenant=" + a.tenant.id) == 79u);
  BOOST_TEST(count("status=all&email=S17@EXAMPLE.com") == 1u);
  BOOST_TEST(count("status=all&contact_id=5003") == 5u);  // s3, u3, new0-3, new1-3, new2-3
  BOOST_TEST(count("status=dismissed") == 0u);
  const auto one = json::parse(admin("/admin/findings?email=u45@example.com").body);
  BOOST_REQUIRE(one["items"].size() == 1u);
  BOOST_TEST(one["items"][0]["subject"] == "u45@example.com");
  BOOST_TEST(one["next_cursor"].is_null());
}

BOOST_FIXTURE_TEST_CASE(report_pages_by_fifty_and_searches_by_email, Paging) {
  // One real shared contact (both IBs capture the person), then 119 more findings.
  for (const auto* tenant : {&a, &b}) {
    BOOST_REQUIRE(post_lead_capture(serving.base, *tenant->keys.api_key, "shared@example.com").status == 201);
  }
  BOOST_REQUIRE(run({relay_binary(), "reconcile", "--config", config}).exit_code == 0);
  findings(119, "unknown_prefix", "u", b.tenant.id);
  const auto rows = [](const std::string& page) { return occurrences(page, "<tr data-id="); };
  const auto next_of = [](const std::string& page) {
    std::smatch link;
    return std::regex_search(page, link, std::regex(R"re(id="next-page" href="([^"]+)")re")) ? std::string(link[1]) : std::string();
  };
  auto page = admin("/admin/report").body;
  BOOST_TEST(rows(page) == 50);
  std::string next = std::regex_replace(next_of(page), std::regex("&amp;"), "&");
  BOOST_REQUIRE(!next.empty());
  page = admin(next).body;
  BOOST_TEST(rows(page) == 50);
  next = std::regex_replace(next_of(page), std::regex("&amp;"), "&");
  page = admin(next).body;
  BOOST_TEST(rows(page) == 20);
  BOOST_TEST(next_of(page).empty());
  BOOST_TEST(page.find("id=\"first-page\"") != std::string::npos);

  // Search by email: the shared contact alone, both tenants' leads side by side.
  page = admin("/admin/report?email=Shared@Example.com").body;
  BOOST_TEST(rows(page) == 1);
  BOOST_TEST(next_of(page).empty());
  BOOST_TEST(occurrences(page, "<dt>ib_type</dt><dd>forex-ib</dd>") == 2);
  BOOST_TEST(page.find("<dt>captured</dt><dd>form at ") != std::string::npos);
  BOOST_TEST(page.find("<dt>conversion</dt><dd>not converted</dd>") != std::string::npos);
  BOOST_TEST(page.find("<dt>name</dt><dd>T</dd>") != std::string::npos);
  // Lead UUIDs only inside links.
  pqxx::read_transaction tx(*c);
  for (const auto& row : tx.exec("SELECT id::text FROM leads")) {
    const std::string id = row[0].as<std::string>();
    BOOST_TEST(page.find("title=\"lead " + id + "\"") != std::string::npos);
    BOOST_TEST(page.find("<code>" + id) == std::string::npos);
  }
  // The page stays small: 50 findings.
  BOOST_TEST(admin("/admin/report").body.size() < 200000u);
}

BOOST_FIXTURE_TEST_CASE(a_leads_whole_timeline_pages_for_its_tenant_only, Paging) {
  const auto captured = post_lead_capture(serving.base, *a.keys.api_key, "t@example.com");
  BOOST_REQUIRE(captured.status == 201);
  const std::string lead = json::parse(captured.body)["id"];
  {
    pqxx::work tx(*c);
    tx.exec_params0("INSERT INTO lead_events (tenant_id, lead_id, kind, tag, occurred_at) "
                    "SELECT $1::uuid, $2::uuid, 'tag_added', 'ib-aaa111-t' || g, "
                    "'2026-11-01T00:00:00Z'::timestamptz + g * interval '1 minute' FROM generate_series(1, 250) g",
                    a.tenant.id, lead);
    tx.commit();
  }
  const auto tenant_get = [&](const std::string& key, const std::string& path) {
    return api_request("GET", serving.base + path, key);
  };
  BOOST_TEST(json::parse(tenant_get(*a.keys.api_key, "/v1/leads/" + lead).body)["events"].size() == 200u);

  std::vector<std::string> tags;
  std::vector<std::size_t> sizes;
  std::string url = "/v1/leads/" + lead + "/events?limit=100";
  for (int i = 0; i < 10; ++i) {
    const auto answer = tenant_get(*a.keys.api_key, url);
    BOOST_REQUIRE(answer.status == 200);
    const auto body = json::parse(answer.body);
    sizes.push_back(body["items"].size());
    for (const auto& item : body["items"]) tags.push_back(item["tag"]);
    if (body["next_cursor"].is_null()) break;
    url = "/v1/leads/" + lead + "/events?limit=100&cursor=" + url_encode(body["next_cursor"].get<std::string>());
  }
  BOOST_TEST(sizes == std::vector<std::size_t>({100, 100, 50}));
  BOOST_REQUIRE(tags.size() == 250u);
  BOOST_TEST(tags.front() == "ib-aaa111-t250");
  BOOST_TEST(tags.back() == "ib-aaa111-t1");
  BOOST_TEST(std::set<std::string>(tags.begin(), tags.end()).size() == 250u);
  BOOST_TEST(json::parse(tenant_get(*a.keys.api_key, "/v1/leads/" + lead + "/events").body)["items"].size() == 50u);

  // The cursor tells nothing of other tenants' activity: it is the position of the last entry shown
  // in A's own timeline, so 37 entries of B's written before A's next one move it by one.
  const auto cursor_position = [&] {
    const auto token = json::parse(tenant_get(*a.keys.api_key, "/v1/leads/" + lead + "/events?limit=1").body)["next_cursor"];
    const auto key = decode_page_cursor(token.get<std::string>(), "i");
    BOOST_REQUIRE(key.ok());
    return key.value()[0].get<long long>();
  };
  BOOST_TEST(cursor_position() == 250);
  const auto theirs_captured = post_lead_capture(serving.base, *b.keys.api_key, "b-activity@example.com");
  BOOST_REQUIRE(theirs_captured.status == 201);
  {
    pqxx::work tx(*c);
    tx.exec_params0("INSERT INTO lead_events (tenant_id, lead_id, kind, tag) SELECT $1::uuid, $2::uuid, 'tag_added', "
                    "'ib-bbb222-t' || g FROM generate_series(1, 37) g",
                    b.tenant.id, json::parse(theirs_captured.body)["id"].get<std::string>());
    tx.exec_params0("INSERT INTO lead_events (tenant_id, lead_id, kind, tag) VALUES ($1::uuid, $2::uuid, 'tag_added', "
                    "'ib-aaa111-t251')",
                    a.tenant.id, lead);
    tx.commit();
  }
  BOOST_TEST(cursor_position() == 251);

  // Another tenant's lead is the same 404 as a missing one.
  const auto theirs = tenant_get(*b.keys.api_key, "/v1/leads/" + lead + "/events");
  const auto missing = tenant_get(*b.keys.api_key, "/v1/leads/00000000-0000-4000-8000-000000000000/events");
  BOOST_TEST(theirs.status == 404);
  BOOST_TEST(missing.status == 404);
  BOOST_TEST(theirs.body == missing.body);
  const auto bad_cursor = tenant_get(*a.keys.api_key, "/v1/leads/" + lead + "/events?cursor=zz");
  BOOST_TEST(bad_cursor.status == 400);
  BOOST_TEST(json::parse(bad_cursor.body)["field"] == "cursor");
  BOOST_TEST(json::parse(tenant_get(*a.keys.api_key, "/v1/leads/" + lead + "/events?limit=0").body)["field"] == "limit");
}
