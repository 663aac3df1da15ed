// Fuzzes the tenant API's lead capture JSON (POST /v1/leads body), with the nesting limit the
// daemon applies by default (http.max_json_depth).
#include <cstddef>
#include <cstdint>
#include <string>

#include "store/leads.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cf::store::parse_lead_input(std::string(reinterpret_cast<const char*>(data), size), 64);
  return 0;
}
