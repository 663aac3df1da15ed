// Hashing, HMAC, constant-time comparison and CSPRNG tokens, all backed by OpenSSL.
// Free functions with no shared state: safe to call from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cf::crypto {

// Raw SHA-256 digest (32 bytes) of `data`.
std::string sha256(std::string_view data);

// Raw HMAC-SHA256 (32 bytes) of `message` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view message);

// Lower-case hex of `bytes`.
std::string to_hex(std::string_view bytes);

// Standard base64 (RFC 4648, with padding, no line breaks) of `bytes`.
std::string base64(std::string_view bytes);

// Bytes of a hex string (either case); nullopt when the length is odd or a character is not hex.
std::optional<std::string> from_hex(std::string_view hex);

// True when `a` and `b` are equal. The time taken depends only on their lengths, never on
// where they first differ.
bool constant_time_equals(std::string_view a, std::string_view b);

// `count` bytes from the operating system's CSPRNG. Throws std::runtime_error if it fails
// (OpenSSL cannot seed), which is not something a caller can recover from.
std::string random_bytes(std::size_t count);

// A string of `length` characters drawn uniformly (no modulo bias) from `alphabet`.
std::string random_string(std::size_t length, std::string_view alphabet);

}  // namespace cf::crypto

namespace cf::crypto {

// A random (version 4) UUID in canonical lower-case form.
std::string random_uuid();

}  // namespace cf::crypto
