// The order in which the tenant API's executor takes queued jobs: each lane's own in the order
// they came, lanes in turn, a lane new to the queue before the busy ones, and a lane remembered
// only while it has something waiting or running.
#define BOOST_TEST_MODULE fair_queue
#include <boost/test/unit_test.hpp>

#include <string>

#include "daemon/fair_queue.h"

using cf::daemon::FairQueue;

namespace {

// Takes everything waiting, marking each done at once; the items in the order taken.
std::string drain(FairQueue<std::string>& queue) {
  std::string order;
  while (auto taken = queue.take()) {
    order += taken->item + " ";
    queue.done(taken->lane);
  }
  return order;
}

}  // namespace

BOOST_AUTO_TEST_CASE(lanes_take_turns_and_keep_their_own_order) {
  FairQueue<std::string> queue;
  for (const char* item : {"a1", "a2", "a3", "a4"}) queue.push("a", item);
  queue.push("b", "b1");
  queue.push("c", "c1");
  queue.push("c", "c2");
  BOOST_TEST(queue.size() == 7u);
  BOOST_TEST(drain(queue) == "a1 b1 c1 a2 c2 a3 a4 ");
  BOOST_TEST(queue.size() == 0u);
  BOOST_TEST(queue.lanes() == 0u);
}

// A's first job is running and three more wait when B's one job comes: B's goes next, not after
// A's backlog, nor even after A's next job.
BOOST_AUTO_TEST_CASE(a_new_lane_goes_before_a_lane_that_just_had_its_turn) {
  FairQueue<std::string> queue;
  queue.push("a", "a1");
  const auto running = queue.take();
  BOOST_REQUIRE(running.has_value());
  for (const char* item : {"a2", "a3", "a4"}) queue.push("a", item);
  queue.push("b", "b1");
  auto next = queue.take();
  BOOST_REQUIRE(next.has_value());
  BOOST_TEST(next->item == "b1");
  queue.done(next->lane);
  queue.done(running->lane);
  BOOST_TEST(drain(queue) == "a2 a3 a4 ");
}

// The shared lane ("") is first come, first served.
BOOST_AUTO_TEST_CASE(one_lane_is_first_come_first_served) {
  FairQueue<std::string> queue;
  for (const char* item : {"1", "2", "3"}) queue.push("", item);
  BOOST_TEST(drain(queue) == "1 2 3 ");
}

// A lane is forgotten once nothing of it waits or runs, so memory holds only busy lanes.
BOOST_AUTO_TEST_CASE(idle_lanes_are_forgotten) {
  FairQueue<std::string> queue;
  for (int i = 0; i < 100; ++i) queue.push("t" + std::to_string(i), "x");
  BOOST_TEST(queue.lanes() == 100u);
  auto taken = queue.take();
  BOOST_TEST(queue.lanes() == 100u);  // still running
  queue.done(taken->lane);
  BOOST_TEST(queue.lanes() == 99u);
  drain(queue);
  BOOST_TEST(queue.lanes() == 0u);
}
