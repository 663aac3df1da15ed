#include "common/tag_prefix.h"

#include "common/crypto.h"

namespace cf {

namespace {
constexpr std::string_view kLead = "ib-";
constexpr std::size_t kMinId = 3;
constexpr std::size_t kMaxId = 32;
constexpr std::size_t kGeneratedId = 8;
constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

bool is_id_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

TagPrefix TagPrefix::generate() {
  return TagPrefix(std::string(kLead) + crypto::random_string(kGeneratedId, kAlphabet) + "-");
}

Result<TagPrefix> TagPrefix::parse(std::string_view text) {
  const auto refuse = [&] {
    return invalid_input("prefix must match ^ib-[a-z0-9]{3,32}-$ (for example ib-abc123-)");
  };
  if (text.size() < kLead.size() + kMinId + 1 || text.substr(0, kLead.size()) != kLead ||
      text.back() != '-') {
    return refuse();
  }
  const std::string_view id = text.substr(kLead.size(), text.size() - kLead.size() - 1);
  if (id.size() < kMinId || id.size() > kMaxId) return refuse();
  for (char c : id) {
    if (!is_id_char(c)) return refuse();
  }
  return TagPrefix(std::string(text));
}

std::optional<TagPrefix> TagPrefix::of_tag(std::string_view tag) {
  if (tag.size() < kLead.size() + kMinId + 1) return std::nullopt;
  std::string text;
  for (std::size_t i = 0; i < kLead.size(); ++i) text.push_back(lower(tag[i]));
  if (text != kLead) return std::nullopt;
  std::size_t i = kLead.size();
  for (; i < tag.size() && i - kLead.size() <= kMaxId; ++i) {
    const char c = lower(tag[i]);
    if (c == '-') break;
    if (!is_id_char(c)) return std::nullopt;
    text.push_back(c);
  }
  const std::size_t id_length = i - kLead.size();
  if (i >= tag.size() || tag[i] != '-' || id_length < kMinId || id_length > kMaxId) {
    return std::nullopt;
  }
  text.push_back('-');
  return TagPrefix(std::move(text));
}

bool TagPrefix::found_in(std::string_view text) {
  for (std::size_t at = 0; at < text.size(); ++at) {
    if (of_tag(text.substr(at))) return true;
  }
  return false;
}

}  // namespace cf
