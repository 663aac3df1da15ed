// Time zone names looked up in memory as PostgreSQL looks them up: a name it lists is found in any
// ASCII case and given back as it spells it; anything else (unknown, padded, a path, empty) is not.
#define BOOST_TEST_MODULE time_zones
#include <boost/test/unit_test.hpp>

#include "store/time_zones.h"

using namespace cf::store;

namespace {

const TimeZoneNames kNames({"UTC", "Europe/Paris", "America/New_York", "America/Argentina/Buenos_Aires", "Etc/GMT+5",
                            "PST8PDT"});

}  // namespace

BOOST_AUTO_TEST_CASE(a_listed_name_is_found_in_any_case_as_postgresql_spells_it) {
  BOOST_TEST(kNames.size() == 6u);
  BOOST_TEST(*kNames.find("UTC") == "UTC");
  BOOST_TEST(*kNames.find("utc") == "UTC");
  BOOST_TEST(*kNames.find("Europe/Paris") == "Europe/Paris");
  BOOST_TEST(*kNames.find("europe/paris") == "Europe/Paris");
  BOOST_TEST(*kNames.find("EUROPE/PARIS") == "Europe/Paris");
  BOOST_TEST(*kNames.find("america/new_york") == "America/New_York");
  BOOST_TEST(*kNames.find("America/Argentina/Buenos_Aires") == "America/Argentina/Buenos_Aires");
  BOOST_TEST(*kNames.find("etc/gmt+5") == "Etc/GMT+5");
}

BOOST_AUTO_TEST_CASE(anything_else_is_not_found) {
  const std::vector<std::string> bad_names{"", "Mars/Olympus", "Europe/Paris ", " UTC", "Europe/Paris;", "Europe//Paris", "Europe",
                                "../Europe/Paris", "Etc/GMT+6", "PST8PDT+1", "Europe/Pari", std::string("UTC\0", 4)};
  for (const auto& bad : bad_names) {
    BOOST_TEST(!kNames.find(bad).has_value(), bad);
  }
  BOOST_TEST(!TimeZoneNames({}).find("UTC").has_value());
}
