#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace cf::log {

namespace {

std::once_flag g_once;
std::shared_ptr<spdlog::logger> g_logger;

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

spdlog::logger& logger() {
  std::call_once(g_once, [] {
    g_logger = std::make_shared<spdlog::logger>(
        "clientflow", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    // %v is the rest of the object, already JSON-encoded by write().
    g_logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                          spdlog::pattern_time_type::utc);
    g_logger->set_level(spdlog::level::info);
    g_logger->flush_on(spdlog::level::trace);
  });
  return *g_logger;
}

}  // namespace

bool parse_level(std::string_view text, Level& out) {
  if (text == "debug") out = Level::debug;
  else if (text == "info") out = Level::info;
  else if (text == "warn") out = Level::warn;
  else if (text == "error") out = Level::error;
  else return false;
  return true;
}

void init(Level level) { logger().set_level(to_spdlog(level)); }

void write(Level level, std::string_view message, const nlohmann::json& fields) {
  auto& sink = logger();
  const auto spd_level = to_spdlog(level);
  if (!sink.should_log(spd_level)) return;
  std::string rest = "\"message\":" +
                     nlohmann::json(std::string(message)).dump(-1, ' ', false,
                                                               nlohmann::json::error_handler_t::replace);
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      rest += ',' + nlohmann::json(key).dump() + ':' +
              value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  sink.log(spd_level, "{}", rest);
}

}  // namespace cf::log
