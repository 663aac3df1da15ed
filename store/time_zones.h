// TimeZoneNames: the IANA time zone names PostgreSQL knows (pg_timezone_names), read once and then
// looked up in memory, so that `GET /v1/stats?tz=` refuses an unknown zone before any query (the
// view scans every zone file, ~1,200 of them, on each read). A name is found the way PostgreSQL
// finds it, whatever its case, and given back as PostgreSQL spells it. TimeZoneCatalog holds the
// names for every request thread: loaded at start, or on first use when the database was down then.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <pqxx/pqxx>

namespace cf::store {

class TimeZoneNames {
 public:
  explicit TimeZoneNames(const std::vector<std::string>& names);

  // The zone as PostgreSQL spells it, for `given` in any case; nullopt when it knows no such name.
  std::optional<std::string> find(std::string_view given) const;
  std::size_t size() const { return by_folded_.size(); }

 private:
  std::unordered_map<std::string, std::string> by_folded_;
};

// Reads pg_timezone_names; throws the database's error.
TimeZoneNames load_time_zone_names(pqxx::connection& connection);

class TimeZoneCatalog {
 public:
  // Whether `given` may name a zone PostgreSQL knows: once the names are loaded, whether it does;
  // before, whether it has a zone name's shape (letters, digits, _ + - /; at most 64). No query.
  bool may_know(std::string_view given) const;
  // The zone as PostgreSQL spells it; the names are read through `connection` only when they were
  // never loaded. Throws the database's error.
  std::optional<std::string> find(std::string_view given, pqxx::connection& connection);
  // The names, read through `connection` unless they were loaded before; throws the database's error.
  std::shared_ptr<const TimeZoneNames> load(pqxx::connection& connection);

 private:
  std::shared_ptr<const TimeZoneNames> names() const;

  mutable std::mutex mutex_;
  std::shared_ptr<const TimeZoneNames> names_;
};

}  // namespace cf::store
