// Email: an address normalised the way ClientFlow matches people: surrounding whitespace
// trimmed and ASCII letters lower-cased (non-ASCII bytes are kept as they are, so "ÉLODIE@x.io"
// and "Élodie@x.io" are one person, "élodie@x.io" another). This is the one normalisation: the
// erase queries fold stored emails and text the same way in SQL (sql/015, clientflow_email_key). parse() checks
// the shape only (one '@', a non-empty local part, a dotted domain, no spaces or control
// characters, at most 254 bytes); it does not promise the mailbox exists. Plain value.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "common/text.h"

namespace cf {

class Email {
 public:
  // The normalised address, or invalid_input with a one-line reason.
  static Result<Email> parse(std::string_view text);

  // Trim + ASCII lower-case, without checking the shape (for matching stored contacts).
  static std::string normalize(std::string_view text);

  const std::string& str() const { return text_; }

 private:
  explicit Email(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace cf
