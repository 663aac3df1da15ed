// The tenant API's per-tenant rate limit on a clock the test sets: the burst, then refusals with
// a Retry-After in whole seconds until a token is back; one tenant's use never costs another a
// token; idle tenants are forgotten (memory stays bounded) without changing any answer.
#define BOOST_TEST_MODULE tenant_rate_limit
#include <boost/test/unit_test.hpp>

#include <string>

#include "common/clock.h"
#include "daemon/tenant_rate_limit.h"

using namespace cf;
using cf::daemon::TenantRateLimit;

namespace {

struct SetClock : Clock {
  EpochMs now = 1'800'000'000'000;
  EpochMs now_ms() const override { return now; }
};

// How many of `n` requests in a row are admitted.
int admitted(TenantRateLimit& limit, const std::string& tenant, int n) {
  int count = 0;
  for (int i = 0; i < n; ++i) count += limit.admit(tenant).admitted ? 1 : 0;
  return count;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_burst_then_refusals_until_a_token_is_back) {
  SetClock clock;
  TenantRateLimit limit(2, 5, clock);
  BOOST_TEST(admitted(limit, "a", 5) == 5);
  const auto refused = limit.admit("a");
  BOOST_TEST(!refused.admitted);
  BOOST_TEST(refused.retry_after_seconds == 1);  // half a second, rounded up to a whole one
  clock.now += 499;
  BOOST_TEST(!limit.admit("a").admitted);
  clock.now += 1;
  BOOST_TEST(limit.admit("a").admitted);
  BOOST_TEST(!limit.admit("a").admitted);
  // Ten seconds idle refill the bucket to the burst, not beyond.
  clock.now += 10'000;
  BOOST_TEST(admitted(limit, "a", 10) == 5);
}

BOOST_AUTO_TEST_CASE(retry_after_is_the_whole_seconds_until_a_token) {
  SetClock clock;
  TenantRateLimit limit(0.25, 1, clock);  // one request every 4 s
  BOOST_TEST(limit.admit("a").admitted);
  BOOST_TEST(limit.admit("a").retry_after_seconds == 4);
  clock.now += 1'500;
  BOOST_TEST(limit.admit("a").retry_after_seconds == 3);  // 2.5 s, rounded up
  clock.now += 2'400;
  BOOST_TEST(limit.admit("a").retry_after_seconds == 1);  // 0.1 s: at least 1
  clock.now += 100;
  BOOST_TEST(limit.admit("a").admitted);
  BOOST_TEST(limit.admit("a").retry_after_seconds == 4);  // a refusal costs no token
}

BOOST_AUTO_TEST_CASE(one_tenant_exhausted_costs_another_nothing) {
  SetClock clock;
  TenantRateLimit limit(1, 3, clock);
  BOOST_TEST(admitted(limit, "a", 1000) == 3);
  BOOST_TEST(admitted(limit, "b", 3) == 3);
  BOOST_TEST(!limit.admit("b").admitted);
  BOOST_TEST(!limit.admit("a").admitted);
}

BOOST_AUTO_TEST_CASE(idle_tenants_are_forgotten_and_come_back_with_a_full_burst) {
  SetClock clock;
  TenantRateLimit limit(10, 20, clock);  // a bucket is full again 2 s after its last use
  for (int i = 0; i < 10'000; ++i) limit.admit("tenant-" + std::to_string(i));
  BOOST_TEST(limit.tenants_tracked() == 10'000u);
  BOOST_TEST(admitted(limit, "busy", 25) == 20);
  clock.now += 2'000;
  limit.admit("busy");  // every idle bucket is full by now: all of them go
  BOOST_TEST(limit.tenants_tracked() == 1u);
  BOOST_TEST(admitted(limit, "tenant-7", 25) == 20);
  BOOST_TEST(limit.tenants_tracked() == 2u);
}

BOOST_AUTO_TEST_CASE(a_bucket_not_yet_full_is_kept) {
  SetClock clock;
  TenantRateLimit limit(1, 10, clock);  // full again 10 s after its last use
  BOOST_TEST(admitted(limit, "a", 10) == 10);
  clock.now += 5'000;
  BOOST_TEST(admitted(limit, "c", 10) == 10);
  clock.now += 5'000;  // a is full, c has five tokens back
  limit.admit("b");
  BOOST_TEST(limit.tenants_tracked() == 2u);  // b, c
  BOOST_TEST(admitted(limit, "c", 20) == 5);
}

BOOST_AUTO_TEST_CASE(a_clock_going_back_gives_no_tokens) {
  SetClock clock;
  TenantRateLimit limit(1, 2, clock);
  BOOST_TEST(admitted(limit, "a", 2) == 2);
  clock.now -= 60'000;
  BOOST_TEST(!limit.admit("a").admitted);
  clock.now += 1'000;
  BOOST_TEST(limit.admit("a").admitted);
}

BOOST_AUTO_TEST_CASE(a_new_rate_applies_to_the_next_request) {
  SetClock clock;
  TenantRateLimit limit(1, 10, clock);
  BOOST_TEST(admitted(limit, "a", 3) == 3);
  limit.set_rate(1, 2);  // the bucket is cut down to the new burst
  BOOST_TEST(admitted(limit, "a", 5) == 2);
  BOOST_TEST(admitted(limit, "b", 5) == 2);
}

BOOST_AUTO_TEST_CASE(a_vanishing_rate_still_answers_a_retry_after_in_range) {
  SetClock clock;
  TenantRateLimit limit(1e-300, 1, clock);
  BOOST_TEST(limit.admit("a").admitted);
  BOOST_TEST(limit.admit("a").retry_after_seconds == 86'400);
}
