#include "ingest/delivery.h"

#include "common/crypto.h"
#include "common/text.h"

namespace cf::ingest {

std::string content_dedup_key(const std::string& event_type, const std::string& body) {
  return "sha256:" + crypto::to_hex(crypto::sha256(event_type + '\n' + body));
}

std::string account_dedup_key(const std::string& message_id, const std::string& event_type, const std::string& body) {
  if (message_id.empty()) return content_dedup_key(event_type, body);
  bool printable = message_id.size() <= 200;
  for (char c : message_id) printable = printable && c >= 0x21 && c <= 0x7e;
  if (printable) return "msg:" + message_id;
  return "msgsha256:" + crypto::to_hex(crypto::sha256(message_id));
}

std::string account_event_type(const std::string& header) {
  if (header.size() <= 100 && is_printable_utf8(header)) return header;
  return "unreadable:" + crypto::to_hex(crypto::sha256(header));
}

bool stated_beyond_skew(std::optional<EpochMs> stated, EpochMs received_at, EpochMs max_skew_ms) {
  return stated && *stated > received_at && *stated - received_at > max_skew_ms;
}

EpochMs ordered_at(Source source, std::optional<EpochMs> stated, EpochMs received_at, EpochMs max_skew_ms) {
  if (source == Source::rule || !stated || stated_beyond_skew(stated, received_at, max_skew_ms)) return received_at;
  return *stated;
}

}  // namespace cf::ingest
