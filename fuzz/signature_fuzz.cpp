// Fuzzes the X-Webhook-Signature check and the dedup keys: the input up to the first newline is
// the header, the rest the body; two secrets are configured.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/secret.h"
#include "ingest/delivery.h"
#include "ingest/signature.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string header = input.substr(0, newline);
  const std::string body = newline == std::string::npos ? std::string() : input.substr(newline + 1);
  static const std::vector<cf::Secret> secrets{cf::Secret("first-secret"), cf::Secret("second-secret")};
  cf::ingest::signature_matches(header, body, secrets);
  cf::ingest::account_dedup_key(header, "CONTACT_TAG_ADDED", body);
  return 0;
}
