// The tenant API's cap on each tenant's requests queued or running at once: the cap, then
// refusals until a place is given back, whichever way it is given back (release or the slot's
// end); one tenant's places never cost another any; only tenants with a request in flight are
// remembered.
#define BOOST_TEST_MODULE tenant_in_flight
#include <boost/test/unit_test.hpp>

#include <memory>
#include <vector>

#include "daemon/tenant_in_flight.h"

using cf::daemon::TenantInFlight;

BOOST_AUTO_TEST_CASE(the_cap_then_refusals_until_a_place_is_given_back) {
  TenantInFlight in_flight(4);
  std::vector<std::shared_ptr<TenantInFlight::Slot>> held;
  for (int i = 0; i < 4; ++i) held.push_back(in_flight.admit("a"));
  for (const auto& slot : held) BOOST_TEST(slot != nullptr);
  BOOST_TEST(in_flight.admit("a") == nullptr);
  BOOST_TEST(in_flight.in_flight("a") == 4);
  BOOST_TEST(in_flight.admit("b") != nullptr);  // another tenant's places are its own

  held[0]->release();
  held[0]->release();  // once only
  BOOST_TEST(in_flight.in_flight("a") == 3);
  held[0].reset();  // its end after a release gives nothing back twice
  BOOST_TEST(in_flight.in_flight("a") == 3);
  held[1].reset();  // its end without a release gives its place back
  BOOST_TEST(in_flight.in_flight("a") == 2);
  BOOST_TEST(in_flight.admit("a") != nullptr);  // given back at once: this one ends here too
  BOOST_TEST(in_flight.in_flight("a") == 2);
}

BOOST_AUTO_TEST_CASE(only_tenants_with_a_request_in_flight_are_remembered) {
  TenantInFlight in_flight(2);
  {
    auto a = in_flight.admit("a");
    auto b = in_flight.admit("b");
    BOOST_TEST(in_flight.tenants_tracked() == 2u);
  }
  BOOST_TEST(in_flight.tenants_tracked() == 0u);
  BOOST_TEST(in_flight.in_flight("a") == 0);
}

// A slot may outlive the TenantInFlight that made it (a queued job ending after the API).
BOOST_AUTO_TEST_CASE(a_slot_outliving_its_counter_is_safe) {
  std::shared_ptr<TenantInFlight::Slot> slot;
  {
    TenantInFlight in_flight(1);
    slot = in_flight.admit("a");
  }
  slot->release();
  slot.reset();
}
