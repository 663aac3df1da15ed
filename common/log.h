// Structured logging: one JSON object per line on stderr, {"time","level","message",...fields}.
// Backed by spdlog; every function is safe to call from any thread. Callers never pass secrets
// or full request bodies as fields.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cf::log {

enum class Level { debug, info, warn, error };

// Parses "debug", "info", "warn" or "error"; false when `text` is none of them.
bool parse_level(std::string_view text, Level& out);

// Sets up the stderr logger at `level`. Safe to call again to change the level.
void init(Level level);

void write(Level level, std::string_view message, const nlohmann::json& fields = nullptr);

inline void debug(std::string_view m, const nlohmann::json& f = nullptr) { write(Level::debug, m, f); }
inline void info(std::string_view m, const nlohmann::json& f = nullptr) { write(Level::info, m, f); }
inline void warn(std::string_view m, const nlohmann::json& f = nullptr) { write(Level::warn, m, f); }
inline void error(std::string_view m, const nlohmann::json& f = nullptr) { write(Level::error, m, f); }

}  // namespace cf::log
