// Hostile content through the real binary: SQL injection, odd Unicode (right-to-left override,
// zero-width and combining characters, emoji, a byte-order mark), control characters, invalid
// UTF-8 and lone surrogates in every string the daemon takes: tag names, emails, contact fields,
// lead capture fields, query parameters, admin names and notes. Each is either stored exactly as
// sent (and read back byte for byte) or refused with a clear answer; nothing answers 5xx, nothing
// else changes, and emails differing only in case or surrounding spaces are one person.
#define BOOST_TEST_MODULE hostile_input
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/deliveries.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/relay_config.h"
#include "tests/support/two_tenants.h"

using namespace cf::testing;
using nlohmann::json;

namespace {

// Printable but hostile: each must survive a round trip unchanged.
const std::vector<std::string> kHostile = {
    "'; DROP TABLE leads; --",
    "Robert'); DELETE FROM tenants WHERE ('1'='1",
    "\\\"}]}) OR 1=1 --",
    "$1 $$ E'\\\\x00' %s %n {} ${jndi:ldap://x}",
    "\xE2\x80\xAE" "cilbup",                    // U+202E right-to-left override
    "zero\xE2\x80\x8B" "width\xE2\x80\x8D",     // U+200B, U+200D
    "e\xCC\x81\xCC\x81\xCC\x81",                // stacked combining accents
    "\xF0\x9F\x92\xB8\xF0\x9F\x9A\x80",         // 4-byte emoji
    "\xEF\xBB\xBF" "bom",                       // a byte-order mark inside
    "\xE4\xB8\xAD\xE6\x96\x87 \xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A",  // CJK and Arabic
};

struct Daemon : TwoTenants {
  std::unique_ptr<Background> process;
  std::string base;

  Daemon() {
    auto serving = serve(write_admin_config(db.url(), admin_token, secret));
    process = std::move(serving.daemon);
    base = serving.base;
  }
  ~Daemon() { process->stop(SIGTERM); }

  HttpResponse call(const std::string& method, const std::string& path, const std::string& key, const std::string& body = "") {
    return api_request(method, base + path, key, body);
  }
  // The routing status a signed account webhook got, or its HTTP status when not 200.
  std::string deliver(const std::string& event, const std::string& body, const std::string& id) {
    const auto r = post_account_webhook(base, secret, event, body, id);
    if (r.status != 200) return std::to_string(r.status);
    return json::parse(r.body).value("status", "?");
  }
  long long count(const std::string& sql, const std::string& param) {
    pqxx::read_transaction tx(*c);
    return tx.exec_params1(sql, param)[0].as<long long>();
  }
  // Row counts of every table, to show a refused input changed nothing.
  std::map<std::string, long long> table_counts() {
    pqxx::read_transaction tx(*c);
    std::map<std::string, long long> counts;
    for (const auto& row : tx.exec("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")) {
      const auto table = row[0].as<std::string>();
      counts[table] = tx.exec1("SELECT count(*) FROM " + tx.quote_name(table))[0].as<long long>();
    }
    return counts;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(webhook_tags_emails_and_fields_round_trip_or_are_refused, Daemon) {
  // A hostile tag of A's on a new contact: routed, and the lead holds exactly that tag.
  int n = 0;
  for (const auto& text : kHostile) {
    const std::string tag = "ib-aaa111-" + text;
    const std::string email = "h" + std::to_string(n) + "@example.com";
    BOOST_TEST_CONTEXT("tag " << json(tag).dump()) {
      BOOST_TEST(deliver("CONTACT_TAG_ADDED", tag_body(700 + n, email, tag, {tag}), "tag-" + std::to_string(n)) == "routed");
      BOOST_TEST(count("SELECT count(*) FROM leads WHERE $1 = ANY(tags)", tag) == 1);
    }
    ++n;
  }
  // Hostile contact fields and tags reach the admin mirror unchanged, and nobody's lead.
  for (const auto& text : kHostile) {
    const json body = {{"contact", {{"id", 800 + n}, {"email", "f" + std::to_string(n) + "@example.com"},
                                    {"fields", {{"first_name", text}, {"surname", text}}},
                                    {"tags", {{{"id", 1}, {"name", "ib-aaa111-x"}}, {{"id", 2}, {"name", text}}}}}}};
    BOOST_TEST_CONTEXT("field " << json(text).dump()) {
      BOOST_TEST(deliver("CONTACT_CREATED", body.dump(), "field-" + std::to_string(n)) == "routed");
      BOOST_TEST(count("SELECT count(*) FROM systeme_contacts WHERE fields->>'first_name' = $1 AND tags @> jsonb_build_array($1::text)", text) == 1);
      BOOST_TEST(count("SELECT count(*) FROM leads WHERE $1 = ANY(tags)", text) == 0);
    }
    ++n;
  }

  // Control characters, invalid UTF-8 and lone surrogates: stored as the raw delivery, never
  // applied, answered 200 "malformed" so the sender stops retrying, and the writer keeps going.
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"NUL in a tag", tag_body(900, "n1@example.com", std::string("ib-aaa111-a\0b", 13))},
      {"escaped NUL in a tag", R"({"contact":{"id":901,"email":"n2@example.com","fields":[],"tags":[]},"tag":{"id":1,"name":"ib-aaa111-\u0000"}})"},
      {"escaped NUL in an email", R"({"contact":{"id":902,"email":"n\u0000@example.com","fields":[],"tags":[]},"tag":{"id":1,"name":"ib-aaa111-x"}})"},
      {"line break in an email", R"({"contact":{"id":903,"email":"a@example.com\r\nBcc: b@example.com","fields":[],"tags":[]},"tag":{"id":1,"name":"ib-aaa111-x"}})"},
      {"invalid UTF-8", "{\"contact\":{\"id\":904,\"email\":\"u@example.com\",\"fields\":[],\"tags\":[]},\"tag\":{\"id\":1,\"name\":\"ib-aaa111-\xC3\x28\"}}"},
      {"lone surrogate", R"({"contact":{"id":905,"email":"s@example.com","fields":[],"tags":[]},"tag":{"id":1,"name":"ib-aaa111-\ud800"}})"},
      {"overlong slash", "{\"contact\":{\"id\":906,\"email\":\"o@example.com\",\"fields\":[],\"tags\":[]},\"tag\":{\"id\":1,\"name\":\"ib-aaa111-\xC0\xAF\"}}"},
  };
  for (std::size_t i = 0; i < refused.size(); ++i) {
    BOOST_TEST_CONTEXT(refused[i].first) {
      const std::string id = "bad-" + std::to_string(i);
      BOOST_TEST(deliver("CONTACT_TAG_ADDED", refused[i].second, id) == "malformed");
      BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE dedup_key = 'msg:' || $1", id) == 1);
    }
  }
  // A NUL in a contact field is refused the same way, and the mirror holds nothing of it.
  const std::string nul_field =
      R"({"contact":{"id":907,"email":"nf@example.com","fields":{"first_name":"a\u0000b"},"tags":[{"id":1,"name":"ib-aaa111-x"}]}})";
  BOOST_TEST(deliver("CONTACT_CREATED", nul_field, "bad-field") == "malformed");
  BOOST_TEST(count("SELECT count(*) FROM systeme_contacts WHERE contact_id = $1::bigint", "907") == 0);
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE email LIKE $1", "n_@example.com") == 0);

  // Emails differing only in case and surrounding spaces are one person: one lead.
  BOOST_TEST(deliver("CONTACT_TAG_ADDED", tag_body(950, "  MiXeD.Case@Example.COM ", "ib-bbb222-one"), "case-1") == "routed");
  BOOST_TEST(deliver("CONTACT_TAG_ADDED", tag_body(950, "mixed.case@example.com", "ib-bbb222-two", {"ib-bbb222-one", "ib-bbb222-two"}),
                     "case-2") == "routed");
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE email = $1", "mixed.case@example.com") == 1);
  BOOST_TEST(count("SELECT cardinality(tags) FROM leads WHERE email = $1", "mixed.case@example.com") == 2);

  // Nothing was dropped or deleted along the way.
  const auto counts = table_counts();
  BOOST_TEST(counts.at("tenants") == 2);
  BOOST_TEST(counts.at("webhook_events") == static_cast<long long>(2 * kHostile.size() + refused.size() + 3));
  BOOST_TEST(counts.at("leads") == static_cast<long long>(2 * kHostile.size() + 1));
}

BOOST_FIXTURE_TEST_CASE(capture_fields_round_trip_or_are_refused, Daemon) {
  const std::string& key = *a.keys.api_key;
  // Every free-text field holding each hostile string: stored and read back byte for byte.
  int n = 0;
  for (const auto& text : kHostile) {
    const std::string email = "o'brien+" + std::to_string(n++) + "@example.com";
    const auto created = call("POST", "/v1/leads", key,
                              json{{"email", email}, {"name", text}, {"phone", "+44 7700 900" + std::to_string(100 + n)},
                                   {"ib_type", "forex-ib"}, {"monthly_leads", "0-50"}, {"broker_network", text}}
                                  .dump());
    BOOST_TEST_CONTEXT("capture " << json(text).dump() << " answered " << created.body) {
      BOOST_REQUIRE(created.status == 201);
      const std::string id = json::parse(created.body)["id"];
      const auto read = json::parse(call("GET", "/v1/leads/" + id, key).body);
      BOOST_TEST(read["name"] == text);
      BOOST_TEST(read["broker_network"] == text);
      BOOST_TEST(read["email"] == email);
    }
  }
  const auto before = table_counts();
  // Refused, naming the field, and nothing stored.
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"name", R"({"email":"r1@example.com","name":"a\u0000b","ib_type":"forex-ib","monthly_leads":"0-50"})"},
      {"name", R"({"email":"r2@example.com","name":"line\nbreak","ib_type":"forex-ib","monthly_leads":"0-50"})"},
      {"email", R"({"email":"r3@example.com\r\nBcc: x@example.com","name":"R","ib_type":"forex-ib","monthly_leads":"0-50"})"},
      {"email", R"({"email":"' OR '1'='1","name":"R","ib_type":"forex-ib","monthly_leads":"0-50"})"},
      {"ib_type", R"({"email":"r4@example.com","name":"R","ib_type":"forex-ib'; --","monthly_leads":"0-50"})"},
      {"broker_network", R"({"email":"r5@example.com","name":"R","ib_type":"forex-ib","monthly_leads":"0-50","broker_network":"\u0007"})"},
      {"", "{\"email\":\"r6@example.com\",\"name\":\"\xC3\x28\",\"ib_type\":\"forex-ib\",\"monthly_leads\":\"0-50\"}"},
      {"", R"({"email":"r7@example.com","name":"\udc00","ib_type":"forex-ib","monthly_leads":"0-50"})"},
  };
  for (const auto& [field, body] : refused) {
    const auto r = call("POST", "/v1/leads", key, body);
    BOOST_TEST_CONTEXT(body) {
      BOOST_TEST(r.status == 400);
      const auto answer = json::parse(r.body, nullptr, false);
      BOOST_TEST(answer.is_object());
      if (!field.empty()) BOOST_TEST(answer.value("field", "") == field);
    }
  }
  // Query parameters: refused, never part of a statement.
  for (const std::string& query : {"cursor=" + url_encode("' OR '1'='1"), "limit=" + url_encode("1; DROP TABLE leads"),
                                   "created_after=" + url_encode("2020-01-01' OR 1=1 --")}) {
    BOOST_TEST(call("GET", "/v1/leads?" + query, key).status == 400, query);
  }
  BOOST_TEST((table_counts() == before));
  BOOST_TEST(json::parse(call("GET", "/v1/stats", key).body)["total_leads"] == static_cast<int>(kHostile.size()));
}

BOOST_FIXTURE_TEST_CASE(admin_filters_names_and_notes, Daemon) {
  // A finding to act on: an unknown prefix, found by a reconcile run.
  BOOST_REQUIRE(deliver("CONTACT_TAG_ADDED", tag_body(5, "z@example.com", "ib-zzz999-x"), "adm") == "unknown_prefix");
  BOOST_REQUIRE(run({relay_binary(), "reconcile", "--config", write_admin_config(db.url(), admin_token, secret)}).exit_code == 0);
  const auto listed = json::parse(call("GET", "/admin/findings", admin_token).body).at("items");
  BOOST_REQUIRE(listed.size() == 1u);
  const std::string id = std::to_string(listed[0]["id"].get<long long>());

  for (const std::string& path : {"/admin/findings?status=" + url_encode("open' OR '1'='1"),
                                  "/admin/findings?kind=" + url_encode("x'; DROP TABLE findings; --"),
                                  "/admin/events?status=" + url_encode("routed' --"),
                                  "/admin/findings/" + url_encode("1 OR 1=1") + "/dismiss"}) {
    const auto r = call(path.find("/dismiss") != std::string::npos ? "POST" : "GET", path, admin_token, R"({"by":"x"})");
    BOOST_TEST((r.status == 400 || r.status == 404), path << " answered " << r.status);
  }
  // A refused name changes nothing; a hostile but printable one is recorded as written.
  BOOST_TEST(call("POST", "/admin/findings/" + id + "/acknowledge", admin_token, R"({"by":"a\u0000"})").status == 400);
  BOOST_TEST(json::parse(call("GET", "/admin/findings", admin_token).body)["items"][0]["status"] == "open");
  for (const auto& text : kHostile) {
    const auto r = call("POST", "/admin/findings/" + id + "/acknowledge", admin_token, json{{"by", text}, {"note", text}}.dump());
    BOOST_TEST_CONTEXT("by " << json(text).dump()) {
      BOOST_REQUIRE(r.status == 200);
      BOOST_TEST(json::parse(r.body)["status_by"] == text);
      BOOST_TEST(count("SELECT count(*) FROM findings WHERE status_by = $1 AND status_note = $1", text) == 1);
    }
  }
  // The report page shows the last one escaped, as text.
  const auto page = api_request("GET", base + "/admin/report?status=acknowledged", admin_token);
  BOOST_TEST(page.status == 200);
  BOOST_TEST(page.body.find(kHostile.back()) != std::string::npos);
  BOOST_TEST(table_counts().at("tenants") == 2);
}
