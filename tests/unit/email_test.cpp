// Email normalisation and shape checks, and the printable-UTF-8 check names rely on.
#define BOOST_TEST_MODULE email
#include <boost/test/unit_test.hpp>

#include "common/email.h"

using cf::Email;

BOOST_AUTO_TEST_CASE(normalises_case_and_surrounding_space) {
  BOOST_TEST(Email::parse("  John.Doe@Example.COM \t")->str() == "john.doe@example.com");
  // Only ASCII letters change case.
  BOOST_TEST(Email::parse("\xc3\x89LISE@Example.fr")->str() == "\xc3\x89lise@example.fr");
}

BOOST_AUTO_TEST_CASE(refusals_name_the_problem) {
  BOOST_TEST(Email::parse("   ").error().message == "email is required");
  BOOST_TEST(Email::parse("no-at-sign").error().message == "email must have the form name@domain.tld");
  BOOST_TEST(Email::parse("a@b@c.com").error().message == "email must have the form name@domain.tld");
  BOOST_TEST(Email::parse("@example.com").error().message == "email must have the form name@domain.tld");
  BOOST_TEST(Email::parse("a@localhost").error().message == "email must have the form name@domain.tld");
  BOOST_TEST(Email::parse("a@example..com").error().message == "email must have the form name@domain.tld");
  BOOST_TEST(Email::parse("a b@example.com").error().message == "email must not contain spaces");
  BOOST_TEST(Email::parse("a\x01@example.com").error().message ==
             "email must be UTF-8 text without control characters");
  BOOST_TEST(Email::parse(std::string(250, 'a') + "@example.com").error().message ==
             "email must be at most 254 characters");
}

BOOST_AUTO_TEST_CASE(printable_utf8) {
  BOOST_TEST(cf::is_printable_utf8("Jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  BOOST_TEST(!cf::is_printable_utf8("bad \xc3"));            // truncated sequence
  BOOST_TEST(!cf::is_printable_utf8("\xc0\xaf"));            // overlong
  BOOST_TEST(!cf::is_printable_utf8("\xed\xa0\x80"));        // surrogate
  BOOST_TEST(!cf::is_printable_utf8("tab\there"));           // C0 control
  BOOST_TEST(!cf::is_printable_utf8("\xc2\x85"));            // C1 control
  BOOST_TEST(!cf::is_printable_utf8(std::string("nul\0", 4)));
}

BOOST_AUTO_TEST_CASE(url_decoding) {
  BOOST_TEST(cf::url_decode("2026-11-01T00%3A00%3A00%2B00%3A00") == "2026-11-01T00:00:00+00:00");
  BOOST_TEST(cf::url_decode("a+b%40c.co") == "a b@c.co");
  BOOST_TEST(cf::url_decode("bad%zzend%4") == "bad%zzend%4");
}
