// Time as the daemon handles it: milliseconds since the Unix epoch (UTC) in an int64, a Clock
// interface so tests can set "now" (tests/support/fake_clock.h), and ISO 8601 conversions.
// Functions are pure; SystemClock is safe to share between threads, and so must every Clock be.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cf {

using EpochMs = std::int64_t;

// Where product code reads the time for a decision of its own (a rate, a backoff, an age).
class Clock {
 public:
  virtual ~Clock() = default;
  // The wall-clock time: what is stored and shown.
  virtual EpochMs now_ms() const = 0;
  // A monotonic reading, for intervals (it never goes back when the wall clock is set). The
  // steady clock unless overridden: a clock a test sets overrides both readings.
  virtual std::chrono::steady_clock::time_point steady_now() const { return std::chrono::steady_clock::now(); }
};

class SystemClock : public Clock {
 public:
  EpochMs now_ms() const override;
  // One SystemClock for the whole process, for components whose clock a test may replace.
  static const SystemClock& instance();
};

// Parses "2026-09-27T20:16:27+00:00", "...Z", with optional fractional seconds and any
// +hh:mm / -hh:mm offset. nullopt for anything else (including impossible dates).
std::optional<EpochMs> parse_iso8601(std::string_view text);

// "2026-09-27T20:16:27.123Z" (milliseconds always present).
std::string format_iso8601(EpochMs ms);

}  // namespace cf
