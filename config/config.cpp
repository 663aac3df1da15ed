#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>

namespace cf {

std::string ListenAddress::str() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

namespace {

// Walks the YAML tree, converting values and collecting every problem with its line.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  void fail(const YAML::Node& at, const std::string& path, const std::string& message) {
    std::ostringstream line;
    line << source_;
    if (at.IsDefined() && at.Mark().line >= 0) line << ':' << at.Mark().line + 1;
    line << ": " << path << ": " << message;
    errors_.push_back(line.str());
  }

  // Reports keys of `map` not in `allowed`; false when `map` is not a mapping.
  bool check_section(const YAML::Node& map, const std::string& path,
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

  // The scalar text at `node` with ${VAR} substituted; nullopt (and an error) otherwise.
  std::optional<std::string> text(const YAML::Node& node, const std::string& path, bool secret) {
    if (!node.IsScalar()) {
      fail(node, path, secret ? "must be a string" : "must be a scalar value");
      return std::nullopt;
    }
    return substitute(node, path, node.Scalar());
  }

  void read_string(const YAML::Node& parent, const std::string& path, const char* key,
                   std::string& out) {
    const YAML::Node node = parent[key];
    if (!node.IsDefined() || node.IsNull()) return;
    if (auto value = text(node, join(path, key), false)) out = *value;
  }

  void read_secret(const YAML::Node& parent, const std::string& path, const char* key,
                   Secret& out) {
    const YAML::Node node = parent[key];
    if (!node.IsDefined() || node.IsNull()) return;
    if (auto value = text(node, join(path, key), true)) out = Secret(*value);
  }

  void read_int(const YAML::Node& parent, const std::string& path, const char* key, long long min,
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

  void read_number(const YAML::Node& parent, const std::string& path, const char* key,
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

  void read_listen(const YAML::Node& parent, const std::string& path, const char* key,
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

  template <typename T>
  void read_choice(const YAML::Node& parent, const std::string& path, const char* key,
                   const std::vector<std::pair<std::string, T>>& choices, T& out) {
    const YAML::Node node = parent[key];
    if (!node.IsDefined() || node.IsNull()) return;
    const std::string where = join(path, key);
    auto value = text(node, where, false);
    if (!value) return;
    std::string names;
    for (const auto& [name, choice] : choices) {
      if (*value == name) {
        out = choice;
        return;
      }
      names += (names.empty() ? "" : ", ") + name;
    }
    fail(node, where, "must be one of: " + names);
  }

  void read_secret_list(const YAML::Node& parent, const std::string& path, const char* key,
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

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  static std::optional<ListenAddress> parse_listen(const std::string& value) {
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

  // Replaces ${NAME} and ${NAME:-default}; "$$" stands for a literal "$".
  std::optional<std::string> substitute(const YAML::Node& node, const std::string& path,
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

  static bool valid_variable_name(const std::string& name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (char c : name) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      if (!ok) return false;
    }
    return true;
  }

  std::string source_;
  std::vector<std::string> errors_;
};

bool has_scheme(const std::string& url, const char* scheme) {
  return url.rfind(scheme, 0) == 0 && url.size() > std::string(scheme).size();
}

void read_document(Reader& in, const YAML::Node& root, Config& config) {
  if (!in.check_section(root, "",
                        {"http", "metrics", "database", "ingest", "api", "systeme", "admin", "leads", "reconcile", "retention",
                         "log"})) {
    return;
  }
  const auto section = [&](const char* name, const std::set<std::string>& keys,
                           const std::function<void(const YAML::Node&)>& read) {
    const YAML::Node node = root[name];
    if (!node.IsDefined() || node.IsNull()) return;
    if (in.check_section(node, name, keys)) read(node);
  };

  bool public_url_set = false;
  section("http", {"listen", "public_url", "threads", "max_body_bytes", "max_pending", "max_pending_bytes", "max_json_depth"},
          [&](const YAML::Node& n) {
    in.read_listen(n, "http", "listen", config.http.listen);
    in.read_string(n, "http", "public_url", config.http.public_url);
    public_url_set = n["public_url"].IsDefined() && !n["public_url"].IsNull();
    long long threads = config.http.threads;
    in.read_int(n, "http", "threads", 1, 256, threads);
    config.http.threads = static_cast<int>(threads);
    long long body = static_cast<long long>(config.http.max_body_bytes);
    in.read_int(n, "http", "max_body_bytes", 1024, 64LL * 1024 * 1024, body);
    config.http.max_body_bytes = static_cast<std::size_t>(body);
    long long pending = static_cast<long long>(config.http.max_pending);
    in.read_int(n, "http", "max_pending", 1, 1000000, pending);
    config.http.max_pending = static_cast<std::size_t>(pending);
    long long pending_bytes = static_cast<long long>(config.http.max_pending_bytes);
    in.read_int(n, "http", "max_pending_bytes", 1024 * 1024, 16LL * 1024 * 1024 * 1024, pending_bytes);
    config.http.max_pending_bytes = static_cast<std::size_t>(pending_bytes);
    long long depth = config.http.max_json_depth;
    in.read_int(n, "http", "max_json_depth", 8, 1000, depth);
    config.http.max_json_depth = static_cast<int>(depth);
    if (public_url_set) {
      auto& url = config.http.public_url;
      while (!url.empty() && url.back() == '/') url.pop_back();
      if (!has_scheme(url, "https://") && !has_scheme(url, "http://")) {
        in.fail(n["public_url"], "http.public_url", "must start with https:// (or http:// for local use)");
      }
    }
  });
  if (!public_url_set) config.http.public_url = "http://" + config.http.listen.str();

  section("metrics", {"listen"}, [&](const YAML::Node& n) {
    in.read_listen(n, "metrics", "listen", config.metrics.listen);
  });

  section("database", {"url", "migration_url", "pool_size"}, [&](const YAML::Node& n) {
    in.read_secret(n, "database", "url", config.database.url);
    in.read_secret(n, "database", "migration_url", config.database.migration_url);
    long long pool = config.database.pool_size;
    in.read_int(n, "database", "pool_size", 1, 64, pool);
    config.database.pool_size = static_cast<int>(pool);
  });

  section("ingest", {"max_clock_skew_seconds", "rule_webhooks_per_second_per_tenant", "rule_webhook_burst_per_tenant"},
          [&](const YAML::Node& n) {
            long long skew = config.ingest.max_clock_skew_seconds;
            in.read_int(n, "ingest", "max_clock_skew_seconds", 0, 86400, skew);
            config.ingest.max_clock_skew_seconds = static_cast<int>(skew);
            in.read_number(n, "ingest", "rule_webhooks_per_second_per_tenant", 0.0, 100000.0,
                           config.ingest.rule_webhooks_per_second_per_tenant);
            in.read_number(n, "ingest", "rule_webhook_burst_per_tenant", 0.0, 1000000.0,
                           config.ingest.rule_webhook_burst_per_tenant);
            if (config.ingest.rule_webhook_burst_per_tenant < 1.0) {
              in.fail(n["rule_webhook_burst_per_tenant"], "ingest.rule_webhook_burst_per_tenant", "must be at least 1");
            }
          });

  section("api", {"requests_per_second_per_tenant", "burst_per_tenant"}, [&](const YAML::Node& n) {
    in.read_number(n, "api", "requests_per_second_per_tenant", 0.0, 100000.0, config.api.requests_per_second_per_tenant);
    in.read_number(n, "api", "burst_per_tenant", 0.0, 100000.0, config.api.burst_per_tenant);
    if (config.api.burst_per_tenant < 1.0) in.fail(n["burst_per_tenant"], "api.burst_per_tenant", "must be at least 1");
  });

  section("systeme", {"api_base", "api_key", "webhook_secrets", "requests_per_second", "timeout_seconds", "job_lease_seconds"},
          [&](const YAML::Node& n) {
            in.read_string(n, "systeme", "api_base", config.systeme.api_base);
            while (!config.systeme.api_base.empty() && config.systeme.api_base.back() == '/') {
              config.systeme.api_base.pop_back();
            }
            if (!has_scheme(config.systeme.api_base, "https://") &&
                !has_scheme(config.systeme.api_base, "http://")) {
              in.fail(n["api_base"], "systeme.api_base", "must be an http:// or https:// URL");
            }
            in.read_secret(n, "systeme", "api_key", config.systeme.api_key);
            in.read_secret_list(n, "systeme", "webhook_secrets", config.systeme.webhook_secrets);
            in.read_number(n, "systeme", "requests_per_second", 0.0, 1000.0,
                           config.systeme.requests_per_second);
            long long timeout = config.systeme.timeout_seconds;
            in.read_int(n, "systeme", "timeout_seconds", 1, 300, timeout);
            config.systeme.timeout_seconds = static_cast<int>(timeout);
            long long lease = config.systeme.job_lease_seconds;
            in.read_int(n, "systeme", "job_lease_seconds", 5, 3600, lease);
            config.systeme.job_lease_seconds = static_cast<int>(lease);
          });

  section("admin", {"token"}, [&](const YAML::Node& n) {
    in.read_secret(n, "admin", "token", config.admin.token);
    if (!config.admin.token.empty() && config.admin.token.reveal().size() < 32) {
      in.fail(n["token"], "admin.token", "must be at least 32 characters (or empty to close the admin API)");
    }
  });

  section("leads", {"duplicate_policy"}, [&](const YAML::Node& n) {
    in.read_choice<DuplicatePolicy>(n, "leads", "duplicate_policy",
                                    {{"allow", DuplicatePolicy::allow}, {"reject", DuplicatePolicy::reject}},
                                    config.leads.duplicate_policy);
  });

  section("reconcile", {"interval_seconds", "full_interval_seconds"}, [&](const YAML::Node& n) {
    long long interval = config.reconcile.interval_seconds;
    in.read_int(n, "reconcile", "interval_seconds", 10, 7 * 24 * 3600, interval);
    config.reconcile.interval_seconds = static_cast<int>(interval);
    long long full = config.reconcile.full_interval_seconds;
    in.read_int(n, "reconcile", "full_interval_seconds", 60, 30 * 24 * 3600, full);
    config.reconcile.full_interval_seconds = static_cast<int>(full);
  });

  section("retention", {"raw_body_days"}, [&](const YAML::Node& n) {
    long long days = config.retention.raw_body_days;
    in.read_int(n, "retention", "raw_body_days", 1, 3650, days);
    config.retention.raw_body_days = static_cast<int>(days);
  });

  section("log", {"level"}, [&](const YAML::Node& n) {
    in.read_choice<log::Level>(n, "log", "level",
                               {{"debug", log::Level::debug}, {"info", log::Level::info},
                                {"warn", log::Level::warn}, {"error", log::Level::error}},
                               config.log.level);
  });

  const YAML::Node database = root["database"];
  const bool url_written = database.IsDefined() && database.IsMap() && database["url"].IsDefined() && !database["url"].IsNull();
  if (!url_written) {
    in.fail(database.IsDefined() ? database : root, "database.url", "is required");
  } else if (config.database.url.empty() && in.errors().empty()) {
    in.fail(database["url"], "database.url", "must not be empty");
  }
}

}  // namespace

Result<Config> parse_config(const std::string& yaml_text, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    return invalid_input(source_name + ":" + std::to_string(e.mark.line + 1) +
                         ": YAML syntax error: " + e.msg);
  }
  if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);

  Config config;
  config.source = source_name;
  Reader reader(source_name);
  try {
    read_document(reader, root, config);
  } catch (const YAML::Exception& e) {
    return invalid_input(source_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!reader.errors().empty()) {
    std::string message;
    for (const auto& line : reader.errors()) message += (message.empty() ? "" : "\n") + line;
    return invalid_input(message);
  }
  return config;
}

Result<Config> load_config(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return invalid_input(path + ": cannot open config file");
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return invalid_input(path + ": cannot read config file");
  return parse_config(text.str(), path);
}

}  // namespace cf
