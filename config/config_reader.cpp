#include "config/config_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace cf {

void ConfigReader::fail(const YAML::Node& at, const std::string& path, const std::string& message) {
  std::ostringstream line;
  line << source_;
  if (at.IsDefined() && at.Mark().line >= 0) line << ':' << at.Mark().line + 1;
  line << ": " << path << ": " << message;
  errors_.push_back(line.str());
}

bool ConfigReader::check_section(const YAML::Node& map, const std::string& path,
                                 const std::set<std::string>& allowed) {
  if (!map.IsMap()) {
    fail(map, path.empty() ? "(top level)" : path, "must be a mapping");
    return false;
  }
  std::set<std::string> seen;
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    if (allowed.count(key) == 0) {
      fail(entry.first, join(path, key), "unknown key");
    } else if (!seen.insert(key).second) {
      fail(entry.first, join(path, key), "duplicate key");
    }
  }
  return true;
}

std::optional<std::string> ConfigReader::text(const YAML::Node& node, const std::string& path, bool secret) {
  if (!node.IsScalar()) {
    fail(node, path, secret ? "must be a string" : "must be a scalar value");
    return std::nullopt;
  }
  return substitute(node, path, node.Scalar());
}

void ConfigReader::read_string(const YAML::Node& parent, const std::string& path, const char* key, std::string& out) {
  const YAML::Node node = parent[key];
  if (!node.IsDefined() || node.IsNull()) return;
  if (auto value = text(node, join(path, key), false)) out = *value;
}

void ConfigReader::read_secret(const YAML::Node& parent, const std::string& path, const char* key, Secret& out) {
  const YAML::Node node = parent[key];
  if (!node.IsDefined() || node.IsNull()) return;
  if (auto value = text(node, join(path, key), true)) out = Secret(*value);
}

void ConfigReader::read_int(const YAML::Node& parent, const std::string& path, const char* key, long long min,
                            long long max, long long& out) {
  const YAML::Node node = parent[key];
  if (!node.IsDefined() || node.IsNull()) return;
  const std::string where = join(path, key);
  auto value = text(node, where, false);
  if (!value) return;
  errno = 0;
  char* end = nullptr;
  const long long parsed = std::strtoll(value->c_str(), &end, 10);
  if (value->empty() || *end != '\0' || errno == ERANGE) {
    fail(node, where, "must be an integer");
    return;
  }
  if (parsed < min || parsed > max) {
    fail(node, where, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return;
  }
  out = parsed;
}

void ConfigReader::read_number(const YAML::Node& parent, const std::string& path, const char* key,
                               double min_exclusive, double max, double& out) {
  const YAML::Node node = parent[key];
  if (!node.IsDefined() || node.IsNull()) return;
  const std::string where = join(path, key);
  auto value = text(node, where, false);
  if (!value) return;
  char* end = nullptr;
  const double parsed = std::strtod(value->c_str(), &end);
  if (value->empty() || *end != '\0' || !std::isfinite(parsed)) {
    fail(node, where, "must be a number");
    return;
  }
  if (parsed <= min_exclusive || parsed > max) {
    std::ostringstream message;
    message << "must be greater than " << min_exclusive << " and at most " << max;
    fail(node, where, message.str());
    return;
  }
  out = parsed;
}

void ConfigReader::read_listen(const YAML::Node& parent, const std::string& path, const char* key,
                               ListenAddress& out) {
  const YAML::Node node = parent[key];
  if (!node.IsDefined() || node.IsNull()) return;
  const std::string where = join(path, key);
  auto value = text(node, where, false);
  if (!value) return;
  auto parsed = parse_listen(*value);
  if (!parsed) {
    fail(node, where, "must be host:port with a port between 0 and 65535 (for example 127.0.0.1:8080)");
    return;
  }
  out = *parsed;
}

void ConfigReader::read_secret_list(const YAML::Node& parent, const std::string& path, const char* key,
                                    std::vector<Secret>& out) {
  const YAML::Node node = parent[key];
  if (!node.IsDefined() || node.IsNull()) return;
  const std::string where = join(path, key);
  if (!node.IsSequence()) {
    fail(node, where, "must be a list of strings");
    return;
  }
  out.clear();
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = where + "[" + std::to_string(i) + "]";
    auto value = text(node[i], item_path, true);
    if (!value) continue;
    if (value->empty()) {
      fail(node[i], item_path, "must not be empty");
      continue;
    }
    out.emplace_back(*value);
  }
}

std::string ConfigReader::join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::optional<ListenAddress> ConfigReader::parse_listen(const std::string& value) {
  std::string host;
  std::string port_text;
  if (!value.empty() && value.front() == '[') {
    const auto close = value.find("]:");
    if (close == std::string::npos) return std::nullopt;
    host = value.substr(1, close - 1);
    port_text = value.substr(close + 2);
  } else {
    const auto colon = value.rfind(':');
    if (colon == std::string::npos || value.find(':') != colon) return std::nullopt;
    host = value.substr(0, colon);
    port_text = value.substr(colon + 1);
  }
  if (host.empty() || port_text.empty() || port_text.size() > 5) return std::nullopt;
  for (char c : port_text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const long port = std::strtol(port_text.c_str(), nullptr, 10);
  if (port > 65535) return std::nullopt;
  return ListenAddress{host, static_cast<std::uint16_t>(port)};
}

std::optional<std::string> ConfigReader::substitute(const YAML::Node& node, const std::string& path,
                                                    const std::string& raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '$') {
      out.push_back(raw[i]);
      continue;
    }
    if (i + 1 < raw.size() && raw[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (i + 1 >= raw.size() || raw[i + 1] != '{') {
      out.push_back('$');
      continue;
    }
    const auto close = raw.find('}', i + 2);
    if (close == std::string::npos) {
      fail(node, path, "unterminated ${...} reference");
      return std::nullopt;
    }
    std::string name = raw.substr(i + 2, close - i - 2);
    std::optional<std::string> fallback;
    if (const auto dash = name.find(":-"); dash != std::string::npos) {
      fallback = name.substr(dash + 2);
      name = name.substr(0, dash);
    }
    if (!valid_variable_name(name)) {
      fail(node, path, "invalid environment variable name in ${...}");
      return std::nullopt;
    }
    const char* value = std::getenv(name.c_str());
    if (value != nullptr && (*value != '\0' || !fallback)) {
      out += value;
    } else if (fallback) {
      out += *fallback;
    } else {
      fail(node, path, "environment variable " + name + " is not set");
      return std::nullopt;
    }
    i = close;
  }
  return out;
}

bool ConfigReader::valid_variable_name(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace cf
