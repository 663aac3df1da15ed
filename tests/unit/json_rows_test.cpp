// JsonRows: the batch documents handed to PostgreSQL, checked by parsing them back.
#define BOOST_TEST_MODULE json_rows
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "common/json_rows.h"

BOOST_AUTO_TEST_CASE(rows_parse_back_exactly) {
  cf::JsonRows rows;
  BOOST_TEST(rows.empty());
  rows.row()
      .text("s", "quote \" backslash \\ newline \n tab \t bell \x07 é")
      .text_or_null("empty", "")
      .number("n", -42)
      .number("none", std::optional<std::int64_t>())
      .strings("tags", std::vector<std::string>{"a", "b\"c"})
      .object("clock", std::map<std::string, std::int64_t>{{"t", 1790000000000LL}})
      .object("fields", std::map<std::string, std::string>{{"k", "v"}});
  rows.row().null("x");
  BOOST_TEST(rows.size() == 2u);
  const auto parsed = nlohmann::json::parse(rows.finish());
  BOOST_REQUIRE(parsed.is_array());
  BOOST_REQUIRE(parsed.size() == 2u);
  BOOST_TEST(parsed[0]["s"] == "quote \" backslash \\ newline \n tab \t bell \x07 é");
  BOOST_TEST(parsed[0]["empty"].is_null());
  BOOST_TEST(parsed[0]["n"] == -42);
  BOOST_TEST(parsed[0]["none"].is_null());
  BOOST_TEST(parsed[0]["tags"][1] == "b\"c");
  BOOST_TEST(parsed[0]["clock"]["t"] == 1790000000000LL);
  BOOST_TEST(parsed[0]["fields"]["k"] == "v");
  BOOST_TEST(parsed[1]["x"].is_null());
  cf::JsonRows none;
  BOOST_TEST(none.finish() == "[]");
}
