#include "daemon/schema_guard.h"

#include <stdexcept>

#include "common/log.h"

namespace cf::daemon {

std::string schema_difference(const store::SchemaState& state) {
  std::string text;
  if (!state.pending.empty()) {
    text = "migrations pending:";
    for (const auto& name : state.pending) text += " " + name;
    text += " (run `clientflow-relay migrate`)";
  }
  if (!state.unknown.empty()) {
    if (!text.empty()) text += "; ";
    text += "migrations newer than this binary:";
    for (int version : state.unknown) text += " " + std::to_string(version);
    text += " (run the binary that applied them)";
  }
  return text;
}

void SchemaGuard::record(const store::SchemaState& state) {
  const bool now = state.current();
  const bool before = matches_.exchange(now);
  const bool first = !recorded_.exchange(true);
  if (now && !before && !first) log::info("schema matches this binary again: storing webhook deliveries");
  if (!now && (before || first)) {
    log::warn("schema is not this binary's: answering webhook deliveries 503", {{"detail", schema_difference(state)}});
  }
}

bool SchemaGuard::check_now(pqxx::connection& connection) {
  auto state = store::schema_state(connection);
  if (!state) throw std::runtime_error(state.error().message);
  record(*state);
  return state->current();
}

}  // namespace cf::daemon
