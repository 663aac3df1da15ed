#include "tests/support/relay_config.h"

#include <nlohmann/json.hpp>

#include "tests/support/process.h"

namespace cf::testing {

std::string write_relay_config(const std::string& database_url, const std::string& extra) {
  // JSON strings are valid YAML scalars, which quotes the URL safely.
  std::string yaml = "database:\n  url: " + nlohmann::json(database_url).dump() + "\n";
  yaml += extra;
  return write_temp_file("relay.yaml", yaml);
}

}  // namespace cf::testing
