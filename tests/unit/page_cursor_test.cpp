// Page cursors and limits: a cursor reads back as the key it was made from, only with the shape
// asked for; anything else (tampered, truncated, another listing's) is refused; limits are whole
// numbers within bounds.
#define BOOST_TEST_MODULE page_cursor
#include <boost/test/unit_test.hpp>

#include "common/page_cursor.h"

using namespace cf;
using nlohmann::json;

BOOST_AUTO_TEST_CASE(a_cursor_reads_back_as_its_key) {
  const json key = json::array({1764670000123456LL, 42});
  const std::string token = encode_page_cursor(key);
  BOOST_TEST(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
  BOOST_TEST(*decode_page_cursor(token, "ii") == key);
  BOOST_TEST(*decode_page_cursor(encode_page_cursor(json::array({"x/y+z", 7})), "si") == json::array({"x/y+z", 7}));
  for (int n = 0; n < 5; ++n) {  // every length modulo 3
    const json padded = json::array({std::string(static_cast<std::size_t>(n), 'a')});
    BOOST_TEST(*decode_page_cursor(encode_page_cursor(padded), "s") == padded);
  }
}

BOOST_AUTO_TEST_CASE(other_tokens_are_refused) {
  const std::string token = encode_page_cursor(json::array({5, 6}));
  BOOST_TEST(!decode_page_cursor(token, "i").ok());
  BOOST_TEST(!decode_page_cursor(token, "is").ok());
  BOOST_TEST(!decode_page_cursor(token.substr(0, token.size() - 1), "ii").ok());
  BOOST_TEST(!decode_page_cursor("", "ii").ok());
  BOOST_TEST(!decode_page_cursor("a+b/", "ii").ok());
  BOOST_TEST(!decode_page_cursor(std::string(600, 'A'), "ii").ok());
  BOOST_TEST(!decode_page_cursor(encode_page_cursor(json::object()), "").ok());
  BOOST_TEST(!decode_page_cursor(encode_page_cursor(json::array({1.5})), "i").ok());
  BOOST_TEST(decode_page_cursor("x", "i").error().message == "cursor is not one this API gave");
}

BOOST_AUTO_TEST_CASE(limits_are_whole_numbers_within_bounds) {
  BOOST_TEST(*parse_page_limit(std::nullopt) == 50);
  BOOST_TEST(*parse_page_limit(std::string("1")) == 1);
  BOOST_TEST(*parse_page_limit(std::string("500")) == 500);
  for (const char* bad : {"0", "501", "", "-1", "1e2", " 5", "9999999999"}) {
    BOOST_TEST(!parse_page_limit(std::string(bad)).ok(), bad);
  }
  BOOST_TEST(parse_page_limit(std::string("0")).error().message == "limit must be a whole number from 1 to 500");
  BOOST_TEST(*parse_page_limit(std::nullopt, {20, 100}) == 20);
  BOOST_TEST(!parse_page_limit(std::string("101"), {20, 100}).ok());
}

BOOST_AUTO_TEST_CASE(a_page_is_items_and_a_cursor_or_null) {
  BOOST_TEST(page_json(json::array({1}), "abc") == json({{"items", {1}}, {"next_cursor", "abc"}}));
  BOOST_TEST(page_json(json::array(), "") == json({{"items", json::array()}, {"next_cursor", nullptr}}));
}
