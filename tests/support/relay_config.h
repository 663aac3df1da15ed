// Config files for running the real binary in tests: a valid config pointing at a test
// database, on loopback ports the kernel picks.
#pragma once

#include <string>

namespace cf::testing {

// The privacy.erasure_key every test config has (unless `extra` has a privacy section).
inline constexpr const char* kErasureKey = "erasure-key-0123456789-abcdefghijklmnop";

// Writes a config for `database_url` (plus `extra` YAML appended verbatim) to a temp file.
std::string write_relay_config(const std::string& database_url, const std::string& extra = "");

// A config on ephemeral ports with this admin token and webhook secret.
std::string write_admin_config(const std::string& database_url, const std::string& admin_token,
                               const std::string& webhook_secret);

}  // namespace cf::testing
