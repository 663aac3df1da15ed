#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "config/config_reader.h"

namespace cf {

std::string ListenAddress::str() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

namespace {

bool has_scheme(const std::string& url, const char* scheme) {
  return url.rfind(scheme, 0) == 0 && url.size() > std::string(scheme).size();
}

// ConfigReader::read_int() into an int or size field.
template <typename T>
void read_integer(ConfigReader& in, const YAML::Node& n, const char* path, const char* key, long long min,
                  long long max, T& out) {
  long long value = static_cast<long long>(out);
  in.read_int(n, path, key, min, max, value);
  out = static_cast<T>(value);
}

// http; true when it sets public_url (read_document() fills in the default otherwise).
bool read_http(ConfigReader& in, const YAML::Node& n, HttpConfig& http) {
  in.read_listen(n, "http", "listen", http.listen);
  in.read_string(n, "http", "public_url", http.public_url);
  read_integer(in, n, "http", "threads", 1, 256, http.threads);
  read_integer(in, n, "http", "max_body_bytes", 1024, 64LL * 1024 * 1024, http.max_body_bytes);
  read_integer(in, n, "http", "max_pending", 1, 1000000, http.max_pending);
  read_integer(in, n, "http", "max_pending_bytes", 1024 * 1024, 16LL * 1024 * 1024 * 1024, http.max_pending_bytes);
  read_integer(in, n, "http", "max_json_depth", 8, 1000, http.max_json_depth);
  const bool public_url_set = n["public_url"].IsDefined() && !n["public_url"].IsNull();
  if (public_url_set) {
    auto& url = http.public_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!has_scheme(url, "https://") && !has_scheme(url, "http://")) {
      in.fail(n["public_url"], "http.public_url", "must start with https:// (or http:// for local use)");
    }
  }
  return public_url_set;
}

void read_database(ConfigReader& in, const YAML::Node& n, DatabaseConfig& database) {
  in.read_secret(n, "database", "url", database.url);
  in.read_secret(n, "database", "migration_url", database.migration_url);
  read_integer(in, n, "database", "pool_size", 1, 64, database.pool_size);
}

void read_ingest(ConfigReader& in, const YAML::Node& n, IngestConfig& ingest) {
  read_integer(in, n, "ingest", "max_clock_skew_seconds", 0, 86400, ingest.max_clock_skew_seconds);
  in.read_number(n, "ingest", "rule_webhooks_per_second_per_tenant", 0.0, 100000.0,
                 ingest.rule_webhooks_per_second_per_tenant);
  in.read_number(n, "ingest", "rule_webhook_burst_per_tenant", 0.0, 1000000.0, ingest.rule_webhook_burst_per_tenant);
  if (ingest.rule_webhook_burst_per_tenant < 1.0) {
    in.fail(n["rule_webhook_burst_per_tenant"], "ingest.rule_webhook_burst_per_tenant", "must be at least 1");
  }
}

void read_api(ConfigReader& in, const YAML::Node& n, ApiConfig& api) {
  in.read_number(n, "api", "requests_per_second_per_tenant", 0.0, 100000.0, api.requests_per_second_per_tenant);
  in.read_number(n, "api", "burst_per_tenant", 0.0, 100000.0, api.burst_per_tenant);
  if (api.burst_per_tenant < 1.0) in.fail(n["burst_per_tenant"], "api.burst_per_tenant", "must be at least 1");
}

void read_systeme(ConfigReader& in, const YAML::Node& n, SystemeConfig& systeme) {
  in.read_string(n, "systeme", "api_base", systeme.api_base);
  while (!systeme.api_base.empty() && systeme.api_base.back() == '/') systeme.api_base.pop_back();
  if (!has_scheme(systeme.api_base, "https://") && !has_scheme(systeme.api_base, "http://")) {
    in.fail(n["api_base"], "systeme.api_base", "must be an http:// or https:// URL");
  }
  in.read_secret(n, "systeme", "api_key", systeme.api_key);
  in.read_secret_list(n, "systeme", "webhook_secrets", systeme.webhook_secrets);
  in.read_number(n, "systeme", "requests_per_second", 0.0, 1000.0, systeme.requests_per_second);
  read_integer(in, n, "systeme", "timeout_seconds", 1, 300, systeme.timeout_seconds);
  read_integer(in, n, "systeme", "job_lease_seconds", 5, 3600, systeme.job_lease_seconds);
}

void read_admin(ConfigReader& in, const YAML::Node& n, AdminConfig& admin) {
  in.read_secret(n, "admin", "token", admin.token);
  if (!admin.token.empty() && admin.token.reveal().size() < 32) {
    in.fail(n["token"], "admin.token", "must be at least 32 characters (or empty to close the admin API)");
  }
}

void read_reconcile(ConfigReader& in, const YAML::Node& n, ReconcileConfig& reconcile) {
  read_integer(in, n, "reconcile", "interval_seconds", 10, 7 * 24 * 3600, reconcile.interval_seconds);
  read_integer(in, n, "reconcile", "full_interval_seconds", 60, 30 * 24 * 3600, reconcile.full_interval_seconds);
}

// database.url must be written, and not empty once everything else reads well.
void require_database_url(ConfigReader& in, const YAML::Node& root, const Config& config) {
  const YAML::Node database = root["database"];
  const bool url_written = database.IsDefined() && database.IsMap() && database["url"].IsDefined() && !database["url"].IsNull();
  if (!url_written) {
    in.fail(database.IsDefined() ? database : root, "database.url", "is required");
  } else if (config.database.url.empty() && in.errors().empty()) {
    in.fail(database["url"], "database.url", "must not be empty");
  }
}

// Every section, in this order, which is the order problems are reported in.
void read_document(ConfigReader& in, const YAML::Node& root, Config& config) {
  if (!in.check_section(root, "",
                        {"http", "metrics", "database", "ingest", "api", "systeme", "admin", "leads", "privacy",
                         "reconcile", "retention", "log"})) {
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
          [&](const YAML::Node& n) { public_url_set = read_http(in, n, config.http); });
  if (!public_url_set) config.http.public_url = "http://" + config.http.listen.str();
  section("metrics", {"listen"},
          [&](const YAML::Node& n) { in.read_listen(n, "metrics", "listen", config.metrics.listen); });
  section("database", {"url", "migration_url", "pool_size"},
          [&](const YAML::Node& n) { read_database(in, n, config.database); });
  section("ingest", {"max_clock_skew_seconds", "rule_webhooks_per_second_per_tenant", "rule_webhook_burst_per_tenant"},
          [&](const YAML::Node& n) { read_ingest(in, n, config.ingest); });
  section("api", {"requests_per_second_per_tenant", "burst_per_tenant"},
          [&](const YAML::Node& n) { read_api(in, n, config.api); });
  section("systeme", {"api_base", "api_key", "webhook_secrets", "requests_per_second", "timeout_seconds", "job_lease_seconds"},
          [&](const YAML::Node& n) { read_systeme(in, n, config.systeme); });
  section("admin", {"token"}, [&](const YAML::Node& n) { read_admin(in, n, config.admin); });
  section("leads", {"duplicate_policy", "convert_on_sale"}, [&](const YAML::Node& n) {
    in.read_choice<DuplicatePolicy>(n, "leads", "duplicate_policy",
                                    {{"allow", DuplicatePolicy::allow}, {"reject", DuplicatePolicy::reject}},
                                    config.leads.duplicate_policy);
    in.read_choice<bool>(n, "leads", "convert_on_sale", {{"true", true}, {"false", false}}, config.leads.convert_on_sale);
  });
  section("privacy", {"erasure_key"}, [&](const YAML::Node& n) {
    in.read_secret(n, "privacy", "erasure_key", config.privacy.erasure_key);
    if (!config.privacy.erasure_key.empty() && config.privacy.erasure_key.reveal().size() < 32) {
      in.fail(n["erasure_key"], "privacy.erasure_key", "must be at least 32 characters (or empty: no erasure)");
    }
  });
  section("reconcile", {"interval_seconds", "full_interval_seconds"},
          [&](const YAML::Node& n) { read_reconcile(in, n, config.reconcile); });
  section("retention", {"raw_body_days"}, [&](const YAML::Node& n) {
    read_integer(in, n, "retention", "raw_body_days", 1, 3650, config.retention.raw_body_days);
  });
  section("log", {"level"}, [&](const YAML::Node& n) {
    in.read_choice<log::Level>(n, "log", "level",
                               {{"debug", log::Level::debug}, {"info", log::Level::info},
                                {"warn", log::Level::warn}, {"error", log::Level::error}},
                               config.log.level);
  });
  require_database_url(in, root, config);
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
  ConfigReader reader(source_name);
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
