// Time as the daemon handles it: milliseconds since the Unix epoch (UTC) in an int64, a Clock
// interface so tests can set "now", and ISO 8601 conversions. Functions are pure; SystemClock
// is safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cf {

using EpochMs = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochMs now_ms() const = 0;
};

class SystemClock : public Clock {
 public:
  EpochMs now_ms() const override;
};

// Parses "2026-09-27T20:16:27+00:00", "...Z", with optional fractional seconds and any
// +hh:mm / -hh:mm offset. nullopt for anything else (including impossible dates).
std::optional<EpochMs> parse_iso8601(std::string_view text);

// "2026-09-27T20:16:27.123Z" (milliseconds always present).
std::string format_iso8601(EpochMs ms);

}  // namespace cf
