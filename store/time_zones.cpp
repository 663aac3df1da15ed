#include "store/time_zones.h"

#include <algorithm>
#include <regex>

#include "store/queries.h"

namespace cf::store {

namespace {

// PostgreSQL looks a zone name up among its zone files ignoring ASCII case (pg_tzset).
std::string folded(std::string_view name) {
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
  });
  return out;
}

// A zone name's shape, for the time before the names are loaded.
bool has_zone_shape(std::string_view name) {
  static const std::regex shape("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$");
  return name.size() <= 64 && std::regex_match(name.begin(), name.end(), shape);
}

}  // namespace

TimeZoneNames::TimeZoneNames(const std::vector<std::string>& names) {
  for (const auto& name : names) by_folded_.emplace(folded(name), name);
}

std::optional<std::string> TimeZoneNames::find(std::string_view given) const {
  const auto found = by_folded_.find(folded(given));
  if (found == by_folded_.end()) return std::nullopt;
  return found->second;
}

TimeZoneNames load_time_zone_names(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  std::vector<std::string> names;
  for (const auto& row : tx.exec(std::string(sql::time_zone_names))) names.push_back(row[0].as<std::string>());
  return TimeZoneNames(names);
}

bool TimeZoneCatalog::may_know(std::string_view given) const {
  if (!has_zone_shape(given)) return false;
  const auto loaded = names();
  return !loaded || loaded->find(given).has_value();
}

std::optional<std::string> TimeZoneCatalog::find(std::string_view given, pqxx::connection& connection) {
  return load(connection)->find(given);
}

std::shared_ptr<const TimeZoneNames> TimeZoneCatalog::names() const {
  std::lock_guard lock(mutex_);
  return names_;
}

std::shared_ptr<const TimeZoneNames> TimeZoneCatalog::load(pqxx::connection& connection) {
  if (auto loaded = names()) return loaded;
  auto read = std::make_shared<const TimeZoneNames>(load_time_zone_names(connection));
  std::lock_guard lock(mutex_);
  if (!names_) names_ = std::move(read);
  return names_;
}

}  // namespace cf::store
