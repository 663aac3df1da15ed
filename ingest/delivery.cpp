#include "ingest/delivery.h"

#include "common/crypto.h"

namespace cf::ingest {

std::string content_dedup_key(const std::string& event_type, const std::string& body) {
  return "sha256:" + crypto::to_hex(crypto::sha256(event_type + '\n' + body));
}

}  // namespace cf::ingest
