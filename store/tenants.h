// TenantStore: creating, listing, re-keying, renaming, suspending and resuming tenants (IBs), and
// finding a tenant by one of its credentials (deleting one: store/tenant_removal.h). API keys and rule tokens are random, returned once when issued, and stored
// only as SHA-256 hashes. A TenantStore uses the connection it is given (system role); like the
// connection, it belongs to one thread at a time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "common/result.h"
#include "common/tag_prefix.h"

namespace cf::store {

struct Tenant {
  std::string id;
  std::string name;
  std::string email;
  std::string prefix;
  std::string created_at;  // ISO 8601, UTC
  std::string state = "active";  // active or suspended
  bool suspended() const { return state == "suspended"; }
};

// {"id", "name", "email", "prefix", "created_at", "state"}: a tenant as commands print it.
nlohmann::json to_json(const Tenant& tenant);

// Credentials as issued: shown to the operator once, never stored in clear.
struct TenantKeys {
  std::optional<std::string> api_key;
  std::optional<std::string> rule_token;
};

struct NewTenant {
  Tenant tenant;
  TenantKeys keys;
};

// A fresh API key ("cfk_" + 40 base62 characters, 238 bits) and rule token (40 characters of
// [a-z0-9], 206 bits, URL-safe).
std::string generate_api_key();
std::string generate_rule_token();

// A tenant's details as checked before anything is stored: name trimmed (1..200 bytes of
// printable UTF-8), email normalised, prefix parsed (empty: generated at insert).
struct TenantDraft {
  std::string name;
  std::string email;
  std::optional<TagPrefix> prefix;

  // invalid_input naming the field at fault, or the draft.
  static Result<TenantDraft> make(const std::string& name, const std::string& email,
                                  const std::string& prefix);
};

// Every tenant's credentials as their SHA-256 (32 raw bytes), each mapped to its tenant's id, and
// the suspended tenants' ids: what an in-memory pre-filter needs (daemon/credential_filter.h), and
// nothing it could leak.
struct CredentialHashes {
  std::unordered_map<std::string, std::string> rule_tokens;
  std::unordered_map<std::string, std::string> api_keys;
  std::unordered_set<std::string> suspended;
};

// The channel PostgreSQL notifies, with an empty payload, when a tenant's credentials appear,
// change or go (migration 007).
inline constexpr const char* kCredentialsChannel = "clientflow_credentials";

class TenantStore {
 public:
  explicit TenantStore(pqxx::connection& connection) : connection_(connection) {}

  // Creates a tenant, generating a prefix when the draft has none. Fails with conflict when the
  // prefix is taken or retired (a deleted tenant's); nothing is stored on failure.
  Result<NewTenant> add(const TenantDraft& draft);

  // Every tenant, oldest first. Never includes credentials.
  Result<std::vector<Tenant>> list();

  // Issues new credentials for the tenant `id`; the old ones stop working at once.
  // not_found when no such tenant; invalid_input when `id` is not a UUID.
  Result<NewTenant> rotate_keys(const std::string& id, bool api_key, bool rule_token);

  // Renames the tenant `id` or changes its contact email (std::nullopt keeps one; name trimmed,
  // email normalised as by TenantDraft). invalid_input naming the field, or not_found.
  Result<Tenant> update(const std::string& id, const std::optional<std::string>& name,
                        const std::optional<std::string>& email);

  // Suspends (or resumes) the tenant `id`: its API keys are refused, its rule webhooks kept as
  // `suspended`, its outbox jobs wait; resuming undoes it. not_found when no such tenant.
  Result<Tenant> set_suspended(const std::string& id, bool suspended);

  // The tenant with this id; not_found otherwise (invalid_input when `id` is not a UUID).
  Result<Tenant> find(const std::string& id);

  // The tenant holding this API key / rule token; not_found otherwise.
  Result<Tenant> find_by_api_key(const std::string& api_key);
  Result<Tenant> find_by_rule_token(const std::string& rule_token);

  // Every tenant's credential hashes, in one read; unavailable when the database is not reachable.
  Result<CredentialHashes> credential_hashes();

 private:
  Result<Tenant> find_by_hash(std::string_view statement, const std::string& secret);
  // The conflict a chosen prefix met: taken by a tenant, or retired.
  Error prefix_taken(const TagPrefix& prefix);
  pqxx::connection& connection_;
};

// True when `text` is a UUID in its canonical 8-4-4-4-12 hex form.
bool is_uuid(const std::string& text);

}  // namespace cf::store
