// Fuzzes the config loader (YAML, schema, ${VAR} substitution) with arbitrary file contents.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cf::parse_config(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  return 0;
}
