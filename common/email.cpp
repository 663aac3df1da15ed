#include "common/email.h"


namespace cf {

std::string Email::normalize(std::string_view text) {
  std::string out(trim(text));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<Email> Email::parse(std::string_view text) {
  std::string email = normalize(text);
  if (email.empty()) return invalid_input("email is required");
  if (email.size() > 254) return invalid_input("email must be at most 254 characters");
  if (!is_printable_utf8(email)) return invalid_input("email must be UTF-8 text without control characters");
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos) {
    return invalid_input("email must have the form name@domain.tld");
  }
  if (email.find(' ') != std::string::npos) return invalid_input("email must not contain spaces");
  const std::string_view domain = std::string_view(email).substr(at + 1);
  const auto dot = domain.find('.');
  if (domain.empty() || dot == std::string_view::npos || dot == 0 || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return invalid_input("email must have the form name@domain.tld");
  }
  return Email(std::move(email));
}

}  // namespace cf
