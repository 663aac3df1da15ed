#include "store/person_lock.h"

#include <nlohmann/json.hpp>

#include "store/queries.h"
#include "store/statements.h"

namespace cf::store {

namespace {
std::string email_key(const std::string& email) { return "e:" + email; }
std::string contact_key(long long contact_id) { return "c:" + std::to_string(contact_id); }
}  // namespace

std::string person_key(const ingest::Contact& contact) {
  if (!contact.email.empty()) return email_key(contact.email);
  return contact.id ? contact_key(*contact.id) : std::string();
}

std::string person_lock_keys(const std::vector<std::string>& emails, const std::vector<long long>& contact_ids) {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& email : emails) keys.push_back(email_key(email));
  for (const auto id : contact_ids) keys.push_back(contact_key(id));
  return keys.dump();
}

void lock_people(pqxx::transaction_base& tx, const std::vector<std::string>& emails,
                 const std::vector<long long>& contact_ids) {
  exec_statement(tx, sql::lock_people, person_lock_keys(emails, contact_ids));
}

}  // namespace cf::store
