#include "tests/support/relay_config.h"

#include <nlohmann/json.hpp>

#include "tests/support/process.h"

namespace cf::testing {

std::string write_relay_config(const std::string& database_url, const std::string& extra) {
  // JSON strings are valid YAML scalars, which quotes the URL safely.
  std::string yaml = "database:\n  url: " + nlohmann::json(database_url).dump() + "\n";
  yaml += extra;
  if (extra.find("privacy:") == std::string::npos) yaml += "privacy:\n  erasure_key: " + std::string(kErasureKey) + "\n";
  return write_temp_file("relay.yaml", yaml);
}

std::string write_admin_config(const std::string& database_url, const std::string& admin_token,
                               const std::string& webhook_secret) {
  return write_relay_config(database_url, "http:\n  listen: \"127.0.0.1:0\"\nmetrics:\n  listen: \"127.0.0.1:0\"\n"
                                          "admin:\n  token: " + admin_token + "\nsysteme:\n  webhook_secrets: [" +
                                          webhook_secret + "]\n");
}

}  // namespace cf::testing
