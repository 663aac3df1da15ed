// Small text checks shared by every input path: trimming and printable UTF-8. Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace cf {

// `text` without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view text);

// True when `text` is valid UTF-8 with no control characters (C0, DEL, C1), no surrogates and
// no overlong forms.
bool is_printable_utf8(std::string_view text);

// True for a phone number as leads keep it: 5 to 32 bytes, 5 or more digits, and nothing but
// digits, spaces and + - ( ) .
bool is_phone_number(std::string_view text);

// True when `text` holds U+0000, which PostgreSQL text and jsonb cannot store (multi-line text is
// fine elsewhere; this is the one byte no column takes).
bool holds_nul(std::string_view text);

// A URL query value with its percent-escapes and '+' decoded (Pistache 0.0.5 leaves them);
// a malformed escape is kept as it is.
std::string url_decode(std::string_view text);
// A URL query value with every byte but [A-Za-z0-9._~-] percent-escaped.
std::string url_escape(std::string_view text);

}  // namespace cf
