#include "store/database.h"

#include <libpq-fe.h>

namespace cf::store {

namespace {
std::string quote_value(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}
}  // namespace

Result<std::map<std::string, std::string>> conninfo_values(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    if (error != nullptr) PQfreemem(error);
    return invalid_input("database.url is not a valid PostgreSQL connection string");
  }
  std::map<std::string, std::string> values;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val != nullptr) values[option->keyword] = option->val;
  }
  PQconninfoFree(options);
  return values;
}

Result<std::string> conninfo_with(const std::string& conninfo,
                                  const std::map<std::string, std::string>& overrides) {
  auto values = conninfo_values(conninfo);
  if (!values) return values.error();
  for (const auto& [key, value] : overrides) (*values)[key] = value;
  std::string out;
  for (const auto& [key, value] : *values) {
    if (!out.empty()) out.push_back(' ');
    out += key + "=" + quote_value(value);
  }
  return out;
}

Result<std::string> tagged_conninfo(const Secret& url) {
  std::map<std::string, std::string> tags{{"application_name", "clientflow-relay"}};
  auto info = conninfo_with(url.reveal(), {});
  if (!info) return info.error();
  if (info->find("connect_timeout=") == std::string::npos) tags["connect_timeout"] = "5";
  return conninfo_with(url.reveal(), tags);
}

Error connection_refused(std::string reason) {
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
  return unavailable("cannot connect to PostgreSQL: " + reason);
}

Result<std::unique_ptr<pqxx::connection>> connect(const Secret& url) {
  auto tagged = tagged_conninfo(url);
  if (!tagged) return tagged.error();
  try {
    return std::make_unique<pqxx::connection>(*tagged);
  } catch (const pqxx::broken_connection& e) {
    return connection_refused(e.what());
  }
}

bool is_unavailable(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) return true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string state = sql->sqlstate();
    // 08: connection exception; 57P0x: admin/crash shutdown, cannot connect now; 53300: too many connections.
    return state.rfind("08", 0) == 0 || state.rfind("57P0", 0) == 0 || state == "53300";
  }
  return false;
}

bool is_query_cancelled(const std::exception& e) {
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  return sql != nullptr && sql->sqlstate() == "57014";
}

Error database_error(const std::exception& e, const std::string& doing) {
  if (is_unavailable(e)) return unavailable(doing + ": database unavailable: " + e.what());
  return internal_error(doing + ": " + e.what());
}

}  // namespace cf::store
