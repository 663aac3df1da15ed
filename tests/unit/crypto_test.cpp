// HMAC-SHA256 against RFC 4231, SHA-256 against FIPS 180-2, hex, constant-time comparison, and
// the CSPRNG helpers.
#define BOOST_TEST_MODULE crypto
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

#include "common/crypto.h"

using namespace cf::crypto;

namespace {

std::string bytes(const std::string& hex) {
  auto decoded = from_hex(hex);
  BOOST_REQUIRE(decoded.has_value());
  return *decoded;
}

struct Rfc4231Case {
  int number;
  std::string key;
  std::string data;
  std::string hmac_sha256;  // hex; case 5 is the 128-bit truncation
};

}  // namespace

BOOST_AUTO_TEST_CASE(hmac_sha256_rfc4231_vectors) {
  const std::string key131(131, '\xaa');
  const std::vector<Rfc4231Case> cases{
      {1, bytes("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {2, "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {3, bytes("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {4, bytes("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {5, bytes("0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c"), "Test With Truncation",
       "a3b6167473100ee06e0c796c2955552b"},
      {6, key131, "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {7, key131,
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("RFC 4231 test case " << c.number) {
      const std::string mac = to_hex(hmac_sha256(c.key, c.data));
      BOOST_TEST(mac.substr(0, c.hmac_sha256.size()) == c.hmac_sha256);
      BOOST_TEST(mac.size() == 64u);
    }
  }
}

BOOST_AUTO_TEST_CASE(sha256_known_answers) {
  BOOST_TEST(to_hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(to_hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(hex_round_trip_and_refusals) {
  BOOST_TEST(to_hex(std::string("\x00\xff\x10", 3)) == "00ff10");
  BOOST_TEST(*from_hex("00FF10") == std::string("\x00\xff\x10", 3));
  BOOST_TEST(!from_hex("abc").has_value());
  BOOST_TEST(!from_hex("zz").has_value());
  BOOST_TEST(from_hex("")->empty());
}

BOOST_AUTO_TEST_CASE(constant_time_equals_compares_whole_strings) {
  BOOST_TEST(constant_time_equals("abc", "abc"));
  BOOST_TEST(!constant_time_equals("abc", "abd"));
  BOOST_TEST(!constant_time_equals("abc", "ab"));
  BOOST_TEST(constant_time_equals("", ""));
  BOOST_TEST(!constant_time_equals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

BOOST_AUTO_TEST_CASE(random_string_uses_only_its_alphabet_and_all_of_it) {
  const std::string alphabet = "abc123";
  const std::string sample = random_string(6000, alphabet);
  BOOST_TEST(sample.size() == 6000u);
  std::map<char, int> counts;
  for (char c : sample) counts[c]++;
  BOOST_TEST(counts.size() == alphabet.size());
  for (const auto& [c, n] : counts) {
    BOOST_TEST(alphabet.find(c) != std::string::npos);
    // Uniform: 1000 expected each; 6 sigma is about 175.
    BOOST_TEST(n > 800);
    BOOST_TEST(n < 1200);
  }
  BOOST_TEST(random_bytes(32) != random_bytes(32));
}
