#include "store/tenants.h"

#include "common/crypto.h"
#include "common/email.h"
#include "common/tag_prefix.h"
#include "store/database.h"
#include "store/queries.h"
#include "store/statements.h"

namespace cf::store {

namespace {

constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kLowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr int kGeneratedPrefixAttempts = 5;

Tenant read_tenant(const pqxx::row& row) {
  return {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
          row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>()};
}

// Credentials are compared by their SHA-256, passed to SQL as hex for decode().
std::string hash_of(const std::string& secret) { return crypto::to_hex(crypto::sha256(secret)); }

Result<std::string> validate_name(const std::string& raw) {
  const std::string name(trim(raw));
  if (name.empty()) return invalid_input("name is required");
  if (name.size() > 200) return invalid_input("name must be at most 200 bytes");
  if (!is_printable_utf8(name)) return invalid_input("name must be UTF-8 text without control characters");
  return name;
}

}  // namespace

nlohmann::json to_json(const Tenant& tenant) {
  return {{"id", tenant.id},       {"name", tenant.name},           {"email", tenant.email},
          {"prefix", tenant.prefix}, {"created_at", tenant.created_at}, {"state", tenant.state}};
}

std::string generate_api_key() { return "cfk_" + crypto::random_string(40, kBase62); }
std::string generate_rule_token() { return crypto::random_string(40, kLowerAlnum); }

bool is_uuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

Result<TenantDraft> TenantDraft::make(const std::string& name_text, const std::string& email_text,
                                      const std::string& prefix_text) {
  auto name = validate_name(name_text);
  if (!name) return name.error();
  auto email = Email::parse(email_text);
  if (!email) return email.error();
  TenantDraft draft{*name, email->str(), std::nullopt};
  if (!prefix_text.empty()) {
    auto parsed = TagPrefix::parse(prefix_text);
    if (!parsed) return parsed.error();
    draft.prefix = *parsed;
  }
  return draft;
}

Error TenantStore::prefix_taken(const TagPrefix& prefix) {
  try {
    pqxx::read_transaction tx(connection_);
    if (exec_statement1(tx, sql::tenants_prefix_retired, prefix.str())[0].as<bool>()) {
      return conflict("prefix " + prefix.str() + " is retired (it belonged to a deleted tenant) and is never issued again");
    }
  } catch (const std::exception& e) {
    return database_error(e, "tenant add");
  }
  return conflict("prefix " + prefix.str() + " is already used by another tenant");
}

Result<NewTenant> TenantStore::add(const TenantDraft& draft) {
  const auto& chosen = draft.prefix;
  for (int attempt = 0;; ++attempt) {
    const TagPrefix prefix = chosen ? *chosen : TagPrefix::generate();
    NewTenant created;
    created.keys.api_key = generate_api_key();
    created.keys.rule_token = generate_rule_token();
    try {
      pqxx::work tx(connection_);
      const auto row = exec_statement1(
          tx, sql::tenants_insert, draft.name, draft.email, prefix.str(), hash_of(*created.keys.api_key),
          hash_of(*created.keys.rule_token));
      tx.commit();
      created.tenant = read_tenant(row);
      return created;
    } catch (const pqxx::unexpected_rows&) {
      // ON CONFLICT DO NOTHING returned no row: the prefix is taken.
      if (chosen) return prefix_taken(prefix);
      if (attempt + 1 >= kGeneratedPrefixAttempts) {
        return internal_error("could not generate an unused prefix");
      }
    } catch (const std::exception& e) {
      return database_error(e, "tenant add");
    }
  }
}

Result<std::vector<Tenant>> TenantStore::list() {
  try {
    pqxx::read_transaction tx(connection_);
    std::vector<Tenant> out;
    for (const auto& row : tx.exec(std::string(sql::tenants_list))) {
      out.push_back(read_tenant(row));
    }
    return out;
  } catch (const std::exception& e) {
    return database_error(e, "tenant list");
  }
}

Result<NewTenant> TenantStore::rotate_keys(const std::string& id, bool api_key, bool rule_token) {
  if (!is_uuid(id)) return invalid_input("tenant id must be a UUID (see `tenant list`)");
  if (!api_key && !rule_token) return invalid_input("nothing to rotate");
  NewTenant rotated;
  if (api_key) rotated.keys.api_key = generate_api_key();
  if (rule_token) rotated.keys.rule_token = generate_rule_token();
  try {
    pqxx::work tx(connection_);
    const std::string api_hash = api_key ? hash_of(*rotated.keys.api_key) : std::string();
    const std::string token_hash = rule_token ? hash_of(*rotated.keys.rule_token) : std::string();
    const auto result = exec_statement(tx, sql::tenants_rotate_keys, id, api_key ? api_hash.c_str() : nullptr,
                                       rule_token ? token_hash.c_str() : nullptr);
    if (result.empty()) return not_found("no tenant with id " + id);
    tx.commit();
    rotated.tenant = read_tenant(result[0]);
    return rotated;
  } catch (const std::exception& e) {
    return database_error(e, "tenant rotate-keys");
  }
}

Result<Tenant> TenantStore::update(const std::string& id, const std::optional<std::string>& name,
                                   const std::optional<std::string>& email) {
  if (!is_uuid(id)) return invalid_input("tenant id must be a UUID (see `tenant list`)");
  if (!name && !email) return invalid_input("nothing to update: give --name, --email or both");
  std::optional<std::string> new_name, new_email;
  if (name) {
    auto checked = validate_name(*name);
    if (!checked) return checked.error();
    new_name = *checked;
  }
  if (email) {
    auto parsed = Email::parse(*email);
    if (!parsed) return parsed.error();
    new_email = parsed->str();
  }
  try {
    pqxx::work tx(connection_);
    const auto result = exec_statement(tx, sql::tenants_update, id, new_name ? new_name->c_str() : nullptr,
                                       new_email ? new_email->c_str() : nullptr);
    if (result.empty()) return not_found("no tenant with id " + id);
    tx.commit();
    return read_tenant(result[0]);
  } catch (const std::exception& e) {
    return database_error(e, "tenant update");
  }
}

Result<Tenant> TenantStore::set_suspended(const std::string& id, bool suspended) {
  if (!is_uuid(id)) return invalid_input("tenant id must be a UUID (see `tenant list`)");
  try {
    pqxx::work tx(connection_);
    const auto result = exec_statement(tx, sql::tenants_set_suspended, id, suspended);
    if (result.empty()) return not_found("no tenant with id " + id);
    tx.commit();
    return read_tenant(result[0]);
  } catch (const std::exception& e) {
    return database_error(e, suspended ? "tenant suspend" : "tenant resume");
  }
}

Result<Tenant> TenantStore::find_by_hash(std::string_view statement, const std::string& secret) {
  try {
    pqxx::read_transaction tx(connection_);
    const auto result = exec_statement(tx, statement, hash_of(secret));
    if (result.empty()) return not_found("unknown credential");
    return read_tenant(result[0]);
  } catch (const std::exception& e) {
    return database_error(e, "tenant lookup");
  }
}

Result<Tenant> TenantStore::find(const std::string& id) {
  if (!is_uuid(id)) return invalid_input("tenant id must be a UUID (see `tenant list`)");
  try {
    pqxx::read_transaction tx(connection_);
    const auto result = exec_statement(tx, sql::tenants_find, id);
    if (result.empty()) return not_found("no tenant with id " + id);
    return read_tenant(result[0]);
  } catch (const std::exception& e) {
    return database_error(e, "tenant lookup");
  }
}

Result<Tenant> TenantStore::find_by_api_key(const std::string& api_key) {
  return find_by_hash(sql::tenants_find_by_api_key, api_key);
}

Result<Tenant> TenantStore::find_by_rule_token(const std::string& rule_token) {
  return find_by_hash(sql::tenants_find_by_rule_token, rule_token);
}

Result<CredentialHashes> TenantStore::credential_hashes() {
  try {
    pqxx::read_transaction tx(connection_);
    CredentialHashes hashes;
    for (const auto& row : tx.exec(std::string(sql::tenants_credential_hashes))) {
      const std::string id = row[0].as<std::string>();
      hashes.rule_tokens.emplace(pqxx::binarystring(row[1]).str(), id);
      hashes.api_keys.emplace(pqxx::binarystring(row[2]).str(), id);
      if (row[3].as<bool>()) hashes.suspended.insert(id);
    }
    return hashes;
  } catch (const std::exception& e) {
    return database_error(e, "credential hashes");
  }
}

}  // namespace cf::store
