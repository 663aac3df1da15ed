// json_depth_within: the nesting check that runs before any JSON body is parsed.
#define BOOST_TEST_MODULE json_depth
#include <boost/test/unit_test.hpp>

#include <string>

#include "common/json_depth.h"

namespace {
std::string nested_arrays(int levels) { return std::string(levels, '[') + std::string(levels, ']'); }
}  // namespace

BOOST_AUTO_TEST_CASE(counts_arrays_and_objects) {
  BOOST_TEST(cf::json_depth_within("1", 0));
  BOOST_TEST(!cf::json_depth_within("[]", 0));
  BOOST_TEST(cf::json_depth_within("[]", 1));
  BOOST_TEST(cf::json_depth_within(R"({"a":[1],"b":{"c":2}})", 2));
  BOOST_TEST(!cf::json_depth_within(R"({"a":[1],"b":{"c":[2]}})", 2));
  BOOST_TEST(cf::json_depth_within(nested_arrays(64), 64));
  BOOST_TEST(!cf::json_depth_within(nested_arrays(65), 64));
}

BOOST_AUTO_TEST_CASE(brackets_inside_strings_do_not_count) {
  BOOST_TEST(cf::json_depth_within(R"({"a":"[[[[{{{{"})", 1));
  BOOST_TEST(cf::json_depth_within(R"({"a":"\"[[[["})", 1));
  BOOST_TEST(cf::json_depth_within(R"(["\\",["x"]])", 2));
  BOOST_TEST(!cf::json_depth_within(R"(["\\",[["x"]]])", 2));
}

BOOST_AUTO_TEST_CASE(hostile_text_is_scanned_without_recursion) {
  // 200,000 levels, as in the attack that once ended the daemon: refused at level 65.
  const std::string body = R"({"contact":{"id":1,"fields":{"a":)" + nested_arrays(200000) + "}}}";
  BOOST_TEST(!cf::json_depth_within(body, 64));
  BOOST_TEST(cf::json_depth_within(body, 200003));
  // Unbalanced closers and an unterminated string never underflow or read past the end.
  BOOST_TEST(cf::json_depth_within("]]]]}}}}", 0));
  BOOST_TEST(cf::json_depth_within(R"(["abc\)", 1));
}
