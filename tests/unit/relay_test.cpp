// The relay's pure pieces, without a network: the backoff between attempts, the tags a capture
// gives a lead, the token bucket pacing calls to Systeme.io on a clock the test moves, endpoint
// templates for metrics, and how answers are read and classified (success, "already used",
// Retry-After, fields of the wrong type, search pages, the contact whose email is the lead's, a
// failed call as a retry or a final failure).
#define BOOST_TEST_MODULE relay
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "relay/lead_sync.h"
#include "relay/outbox_worker.h"
#include "relay/rate_limiter.h"
#include "relay/relay_metrics.h"
#include "relay/systeme_answer.h"
#include "tests/support/fake_clock.h"

using namespace cf;
using namespace cf::relay;
using cf::testing::FakeClock;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

using Tags = std::vector<std::string>;

double seconds(std::chrono::duration<double> d) { return d.count(); }

ApiResponse answer(long status, std::string body = {}) {
  ApiResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace

BOOST_AUTO_TEST_CASE(backoff_doubles_per_attempt_up_to_the_cap_times_the_jitter) {
  BOOST_TEST(backoff_seconds(0, 300, 1.0) == 1);
  BOOST_TEST(backoff_seconds(1, 300, 1.0) == 2);
  BOOST_TEST(backoff_seconds(3, 300, 1.0) == 8);
  BOOST_TEST(backoff_seconds(3, 300, 0.5) == 4);
  BOOST_TEST(backoff_seconds(3, 300, 1.499) == 11);  // 11.992, truncated
  BOOST_TEST(backoff_seconds(8, 300, 1.0) == 256);
  BOOST_TEST(backoff_seconds(9, 300, 1.0) == 300);   // 512 capped
  BOOST_TEST(backoff_seconds(24, 300, 1.25) == 375);  // the jitter applies after the cap
  BOOST_TEST(backoff_seconds(0, 300, 0.5) == 1);     // never less than a second
  BOOST_TEST(backoff_seconds(20, 1 << 30, 1.0) == 1 << 20);
  BOOST_TEST(backoff_seconds(40, 1 << 30, 1.0) == 1 << 20);  // the exponent stops at 20
}

BOOST_AUTO_TEST_CASE(a_capture_tags_its_lead_with_the_prefix) {
  BOOST_TEST(capture_tags("ib-abc123-", "forex-ib", "500+") ==
                 (Tags{"ib-abc123-demo-request", "ib-abc123-forex-ib", "ib-abc123-high-volume"}),
             boost::test_tools::per_element());
  BOOST_TEST(capture_tags("ib-abc123-", "crypto-ib", "100-500") == (Tags{"ib-abc123-demo-request", "ib-abc123-crypto-ib"}),
             boost::test_tools::per_element());
  BOOST_TEST(capture_tags("ib-def456-", "", "") == (Tags{"ib-def456-demo-request"}), boost::test_tools::per_element());
  BOOST_TEST(capture_tags("ib-def456-", "", "500+") == (Tags{"ib-def456-demo-request", "ib-def456-high-volume"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_rate_limiter_gives_its_burst_then_a_token_per_period) {
  FakeClock clock;
  RateLimiter limiter(2, 2, clock);
  BOOST_TEST(seconds(limiter.try_take()) == 0.0);
  BOOST_TEST(seconds(limiter.try_take()) == 0.0);
  BOOST_TEST(seconds(limiter.try_take()) == 0.5);  // empty: half a second to the next token
  BOOST_TEST(seconds(limiter.try_take()) == 0.5);  // asking again takes nothing
  clock.advance(milliseconds(250));
  BOOST_TEST(seconds(limiter.try_take()) == 0.25);
  clock.advance(milliseconds(250));
  BOOST_TEST(seconds(limiter.try_take()) == 0.0);
  BOOST_TEST(seconds(limiter.try_take()) == 0.5);
  clock.advance(milliseconds(60'000));  // a long pause fills the bucket to its burst, no more
  BOOST_TEST(seconds(limiter.try_take()) == 0.0);
  BOOST_TEST(seconds(limiter.try_take()) == 0.0);
  BOOST_TEST(seconds(limiter.try_take()) == 0.5);
}

BOOST_AUTO_TEST_CASE(a_new_rate_applies_from_the_next_token_and_shrinks_the_bucket) {
  FakeClock clock;
  RateLimiter limiter(1, 4, clock);
  BOOST_TEST(seconds(limiter.try_take()) == 0.0);  // 3 left
  limiter.set_rate(4, 1);                          // the bucket holds one at most now
  BOOST_TEST(seconds(limiter.try_take()) == 0.0);
  BOOST_TEST(seconds(limiter.try_take()) == 0.25);
  clock.advance(milliseconds(250));
  limiter.wait();  // a token is there: returns at once
  BOOST_TEST(seconds(limiter.try_take()) == 0.25);
}

BOOST_AUTO_TEST_CASE(the_rate_limiter_ignores_the_wall_clock_being_set_back) {
  FakeClock clock;
  RateLimiter limiter(1, 1, clock);
  BOOST_TEST(seconds(limiter.try_take()) == 0.0);
  clock.set(clock.now_ms() - 3'600'000);  // an hour back: no token owed, none lost
  BOOST_TEST(seconds(limiter.try_take()) == 1.0);
  clock.advance(milliseconds(1000));
  BOOST_TEST(seconds(limiter.try_take()) == 0.0);
}

BOOST_AUTO_TEST_CASE(endpoints_are_path_templates) {
  BOOST_TEST(metrics::endpoint_of("GET", "/contacts?email=a%40b.co&limit=10") == "GET /contacts");
  BOOST_TEST(metrics::endpoint_of("POST", "/contacts/123/tags") == "POST /contacts/{id}/tags");
  BOOST_TEST(metrics::endpoint_of("PATCH", "/contacts/42") == "PATCH /contacts/{id}");
  BOOST_TEST(metrics::endpoint_of("GET", "/tags?query=ib-abc123-&limit=100&startingAfter=7") == "GET /tags");
  BOOST_TEST(metrics::endpoint_of("GET", "/v2/items") == "GET /v2/items");  // digits inside a segment stay
  BOOST_TEST(metrics::endpoint_of("GET", "/contacts/12ab") == "GET /contacts/{id}ab");
}

BOOST_AUTO_TEST_CASE(a_success_is_a_2xx_that_was_not_too_deep) {
  BOOST_TEST(succeeded(answer(200)));
  BOOST_TEST(succeeded(answer(204)));
  BOOST_TEST(!succeeded(answer(199)));
  BOOST_TEST(!succeeded(answer(300)));
  BOOST_TEST(!succeeded(answer(0)));
  auto deep = answer(200, "[[[]]]");
  deep.too_deep = true;
  BOOST_TEST(!succeeded(deep));
  BOOST_TEST(deep.json().is_null());
}

BOOST_AUTO_TEST_CASE(already_used_is_a_422_saying_so) {
  BOOST_TEST(is_already_used(answer(422, R"({"detail": "email: This value is already used."})")));
  BOOST_TEST(!is_already_used(answer(422, R"({"detail": "email: This value is not valid."})")));
  BOOST_TEST(!is_already_used(answer(400, "already used")));
  auto deep = answer(422, "already used");
  deep.too_deep = true;
  BOOST_TEST(!is_already_used(deep));
}

BOOST_AUTO_TEST_CASE(retry_after_is_read_from_its_header_line) {
  BOOST_TEST((retry_after_of("Retry-After: 7\r\n") == std::optional<int>(7)));
  BOOST_TEST((retry_after_of("retry-after:30") == std::optional<int>(30)));
  BOOST_TEST((retry_after_of("RETRY-AFTER: 0\r\n") == std::optional<int>(0)));
  BOOST_TEST((retry_after_of("Retry-After: soon\r\n") == std::optional<int>(0)));  // not a number: at once
  BOOST_TEST(!retry_after_of("Retry-After: -5\r\n"));
  BOOST_TEST(!retry_after_of("X-Retry-After: 5\r\n"));
  BOOST_TEST(!retry_after_of("Content-Type: application/json\r\n"));
  BOOST_TEST(!retry_after_of(""));
}

BOOST_AUTO_TEST_CASE(a_body_is_parsed_or_null) {
  BOOST_TEST(answer(200, R"({"id": 5})").json() == json({{"id", 5}}));
  BOOST_TEST(answer(200, "not json").json().is_null());
  BOOST_TEST(answer(200, "").json().is_null());
}

BOOST_AUTO_TEST_CASE(fields_are_read_only_when_of_their_type) {
  const json contact = json::parse(R"({"id": 5, "email": "a@b.co", "big": 9007199254740993, "ratio": 1.5, "name": null})");
  BOOST_TEST((integer_field(contact, "id") == std::optional<long long>(5)));
  BOOST_TEST((integer_field(contact, "big") == std::optional<long long>(9007199254740993LL)));
  BOOST_TEST(!integer_field(contact, "ratio"));
  BOOST_TEST(!integer_field(contact, "email"));
  BOOST_TEST(!integer_field(contact, "missing"));
  BOOST_TEST((string_field(contact, "email") == std::optional<std::string>("a@b.co")));
  BOOST_TEST(!string_field(contact, "id"));
  BOOST_TEST(!string_field(contact, "name"));
  BOOST_TEST(!integer_field(json::array({5}), "id"));
  BOOST_TEST(!string_field(json("id"), "id"));
}

BOOST_AUTO_TEST_CASE(search_pages_have_items_and_maybe_more) {
  const json bare = json::parse(R"([{"id": 1}])");
  const auto whole = search_page(bare);
  BOOST_REQUIRE(whole);
  BOOST_TEST(whole->items == &bare);
  BOOST_TEST(!whole->more);

  const json paged = json::parse(R"({"items": [{"id": 1}, {"id": 2}], "hasMore": true})");
  const auto page = search_page(paged);
  BOOST_REQUIRE(page);
  BOOST_TEST(page->items->size() == 2u);
  BOOST_TEST(page->more);

  const auto last = search_page(json::parse(R"({"items": []})"));
  BOOST_REQUIRE(last);
  BOOST_TEST(!last->more);

  BOOST_TEST(!search_page(json::parse(R"({"items": {}})")));
  BOOST_TEST(!search_page(json::parse(R"({"items": [], "hasMore": "yes"})")));
  BOOST_TEST(!search_page(json::parse(R"({"data": []})")));
  BOOST_TEST(!search_page(json("items")));
  BOOST_TEST(!search_page(json()));
}

BOOST_AUTO_TEST_CASE(the_contact_found_is_the_one_whose_email_is_the_leads) {
  const json body = json::parse(R"({"items": [
      {"id": 1, "email": "john@example.co"},
      {"id": 2, "email": 7},
      {"id": 3, "email": " John@Example.COM "},
      {"id": 4, "email": "john@example.com"}]})");
  const json* found = contact_with_email(body, "JOHN@example.com");
  BOOST_REQUIRE(found != nullptr);
  BOOST_TEST((*found)["id"].get<int>() == 3);  // the first whose normalised email matches
  BOOST_TEST(contact_with_email(body, "jo@example.com") == nullptr);
  BOOST_TEST(contact_with_email(json::parse(R"([{"id": 1, "email": "jo@example.com"}])"), "jo@example.com") == nullptr);
  BOOST_TEST(contact_with_email(json::parse(R"({"items": "jo@example.com"})"), "jo@example.com") == nullptr);
}

BOOST_AUTO_TEST_CASE(a_failed_call_is_final_only_for_errors_no_retry_mends) {
  for (const long status : {400L, 401L, 403L, 404L, 422L}) {
    SyncOutcome outcome;
    BOOST_TEST_INFO("status " << status);
    BOOST_TEST(!sync_failed(outcome, "find contact", answer(status, "no")));
    BOOST_TEST_INFO("status " << status);
    BOOST_TEST((outcome.kind == SyncOutcome::Kind::failed));
    BOOST_TEST(outcome.error == "find contact: HTTP " + std::to_string(status) + " no");
  }
  for (const long status : {408L, 429L, 500L, 502L, 503L}) {
    SyncOutcome outcome;
    sync_failed(outcome, "create tag", answer(status));
    BOOST_TEST_INFO("status " << status);
    BOOST_TEST((outcome.kind == SyncOutcome::Kind::retry));
  }
}

BOOST_AUTO_TEST_CASE(a_failed_call_says_why_and_keeps_retry_after) {
  auto limited = answer(429, "slow down");
  limited.retry_after_seconds = 7;
  SyncOutcome outcome;
  sync_failed(outcome, "assign tag ib-abc123-demo-request", limited);
  BOOST_TEST((outcome.kind == SyncOutcome::Kind::retry));
  BOOST_TEST(outcome.retry_after_seconds == 7);
  BOOST_TEST(outcome.error == "assign tag ib-abc123-demo-request: HTTP 429 slow down");

  auto silent = answer(0);
  silent.error = "Connection refused";
  sync_failed(outcome, "find contact", silent);
  BOOST_TEST((outcome.kind == SyncOutcome::Kind::retry));
  BOOST_TEST(outcome.retry_after_seconds == 0);
  BOOST_TEST(outcome.error == "find contact: no answer (Connection refused)");

  auto deep = answer(404, "[[[[]]]]");
  deep.too_deep = true;
  sync_failed(outcome, "find tag", deep);
  BOOST_TEST((outcome.kind == SyncOutcome::Kind::retry));  // whatever its status
  BOOST_TEST(outcome.error == "find tag: HTTP 404 with an answer nested too deeply");

  SyncOutcome long_body;
  sync_failed(long_body, "create contact", answer(500, std::string(300, 'x')));
  BOOST_TEST(long_body.error == "create contact: HTTP 500 " + std::string(200, 'x'));  // the body cut at 200 bytes
}
