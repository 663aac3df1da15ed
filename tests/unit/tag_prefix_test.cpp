// Tag prefixes: generation as in the design, every refusal of an operator-given prefix, and
// reading the prefix a tag claims.
#define BOOST_TEST_MODULE tag_prefix
#include <boost/test/unit_test.hpp>

#include <regex>
#include <set>

#include "common/tag_prefix.h"

using cf::TagPrefix;

BOOST_AUTO_TEST_CASE(generated_prefixes_follow_the_design) {
  const std::regex shape("^ib-[a-z0-9]{8}-$");
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto prefix = TagPrefix::generate();
    BOOST_TEST(std::regex_match(prefix.str(), shape), prefix.str());
    seen.insert(prefix.str());
    // A generated prefix is also a valid explicit one.
    BOOST_TEST(TagPrefix::parse(prefix.str()).ok());
  }
  // 36^8 possibilities: 2000 draws collide with probability about 1e-6.
  BOOST_TEST(seen.size() == 2000u);
}

BOOST_AUTO_TEST_CASE(explicit_prefixes_that_are_accepted) {
  for (const std::string& text : std::vector<std::string>{"ib-abc123-", "ib-abc-", "ib-x7k2m4p9-", "ib-" + std::string(32, 'z') + "-"}) {
    auto parsed = TagPrefix::parse(text);
    BOOST_TEST_CONTEXT(text) {
      BOOST_REQUIRE(parsed.ok());
      BOOST_TEST(parsed->str() == text);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_refusal) {
  const std::vector<std::string> refused{
      "",                                   // empty
      "ib-",                                // no id
      "ib--",                               // empty id
      "ib-ab-",                             // id too short
      "ib-" + std::string(33, 'a') + "-",   // id too long
      "ib-abc123",                          // no trailing dash
      "abc123-",                            // no ib- lead
      "IB-abc123-",                         // upper-case lead
      "ib-ABC123-",                         // upper-case id
      "ib-abc_123-",                        // underscore
      "ib-abc-123-",                        // dash inside the id
      " ib-abc123-",                        // leading space
      "ib-abc123- ",                        // trailing space
      "ib-abc\xc3\xa9-",                    // non-ASCII
      std::string("ib-abc\0x1-", 10),       // NUL byte
      "xb-abc123-",                         // wrong lead letter
  };
  for (const auto& text : refused) {
    auto parsed = TagPrefix::parse(text);
    BOOST_TEST_CONTEXT("prefix '" << text << "'") {
      BOOST_REQUIRE(!parsed.ok());
      BOOST_TEST(parsed.error().message == "prefix must match ^ib-[a-z0-9]{3,32}-$ (for example ib-abc123-)");
      BOOST_TEST((parsed.error().kind == cf::ErrorKind::invalid_input));
    }
  }
}

BOOST_AUTO_TEST_CASE(prefix_claimed_by_a_tag) {
  BOOST_TEST(TagPrefix::of_tag("ib-x7k2m4p9-demo-request")->str() == "ib-x7k2m4p9-");
  BOOST_TEST(TagPrefix::of_tag("IB-ABC123-High-Volume")->str() == "ib-abc123-");
  BOOST_TEST(TagPrefix::of_tag("ib-abc-")->str() == "ib-abc-");
  BOOST_TEST(!TagPrefix::of_tag("ib-ab-demo").has_value());
  BOOST_TEST(!TagPrefix::of_tag("some_tag").has_value());
  BOOST_TEST(!TagPrefix::of_tag("ib-abc123").has_value());
  BOOST_TEST(!TagPrefix::of_tag("ib-abc_1-x").has_value());
  BOOST_TEST(!TagPrefix::of_tag("ib-" + std::string(33, 'a') + "-x").has_value());
  BOOST_TEST(TagPrefix::of_tag("ib-" + std::string(32, 'a') + "-x").has_value());
  BOOST_TEST(TagPrefix::parse("ib-abc123-")->tag("demo-request") == "ib-abc123-demo-request");
}
