// ConfigReader: walks a YAML config document for parse_config() (config/config.cpp), converting
// values and collecting every problem with its file, line and key path, so that one run reports
// them all. Each read_* leaves `out` as it was when the key is absent, null or wrong (the problem
// is recorded); `${VAR}` and `${VAR:-default}` in a value are replaced from the environment.
// Secret values never reach a message. Used by one thread, for one document; internal to config/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace cf {

class ConfigReader {
 public:
  explicit ConfigReader(std::string source) : source_(std::move(source)) {}

  // Records a problem at `at` (its line when known) for key path `path`.
  void fail(const YAML::Node& at, const std::string& path, const std::string& message);

  // Reports keys of `map` not in `allowed`, and repeated ones; false when `map` is not a mapping.
  bool check_section(const YAML::Node& map, const std::string& path, const std::set<std::string>& allowed);

  // The scalar text at `node` with ${VAR} substituted; nullopt (and a problem) otherwise.
  std::optional<std::string> text(const YAML::Node& node, const std::string& path, bool secret);

  void read_string(const YAML::Node& parent, const std::string& path, const char* key, std::string& out);
  void read_secret(const YAML::Node& parent, const std::string& path, const char* key, Secret& out);
  // An integer from `min` to `max`.
  void read_int(const YAML::Node& parent, const std::string& path, const char* key, long long min, long long max,
                long long& out);
  // A finite number above `min_exclusive`, at most `max`.
  void read_number(const YAML::Node& parent, const std::string& path, const char* key, double min_exclusive,
                   double max, double& out);
  // host:port, or [host]:port for IPv6.
  void read_listen(const YAML::Node& parent, const std::string& path, const char* key, ListenAddress& out);
  // A list of non-empty secrets; replaces `out` when present.
  void read_secret_list(const YAML::Node& parent, const std::string& path, const char* key,
                        std::vector<Secret>& out);

  // One of `choices`, by name.
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

  // "path.key", or "key" at the top level.
  static std::string join(const std::string& path, const std::string& key);

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  static std::optional<ListenAddress> parse_listen(const std::string& value);
  // Replaces ${NAME} and ${NAME:-default}; "$$" stands for a literal "$".
  std::optional<std::string> substitute(const YAML::Node& node, const std::string& path, const std::string& raw);
  static bool valid_variable_name(const std::string& name);

  std::string source_;
  std::vector<std::string> errors_;
};

}  // namespace cf
