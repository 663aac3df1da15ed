#include "ingest/signature.h"

#include "common/crypto.h"
#include "common/text.h"

namespace cf::ingest {

bool signature_matches(std::string_view header, std::string_view body, const std::vector<Secret>& secrets) {
  const auto presented = crypto::from_hex(trim(header));
  if (!presented || presented->size() != 32) return false;
  bool matched = false;
  for (const auto& secret : secrets) {
    matched |= crypto::constant_time_equals(crypto::hmac_sha256(secret.reveal(), body), *presented);
  }
  return matched;
}

}  // namespace cf::ingest
