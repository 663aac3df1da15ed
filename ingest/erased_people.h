// ErasedPeople: the people erased from ClientFlow (sql/011), as one batch of deliveries needs to
// know them. The store finds their marks (HMACs of email and contact id, never the email) and
// tells this set which of the batch's emails and contact ids they matched, globally (`erase
// --email`) or for one tenant (DELETE /v1/leads/{id}). apply_erasure() then keeps the planner
// from giving a lead back: a delivery about a globally erased person is `erased` (stored without
// body, email, contact id or detail, not mirrored); one that would create a lead for a tenant that
// erased the person is `erased` too, its new lead dropped. A plain value, one thread.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>

#include "ingest/event.h"

namespace cf::ingest {

class ErasedPeople {
 public:
  // `tenant_id` empty: erased everywhere.
  void add_email(const std::string& tenant_id, const std::string& email) { emails_.insert({tenant_id, email}); }
  void add_contact(const std::string& tenant_id, long long contact_id) { contacts_.insert({tenant_id, contact_id}); }

  bool everywhere(const Contact& contact) const { return for_tenant("", contact); }
  bool for_tenant(const std::string& tenant_id, const Contact& contact) const {
    return (!contact.email.empty() && emails_.count({tenant_id, contact.email}) > 0) ||
           (contact.id && contacts_.count({tenant_id, *contact.id}) > 0);
  }
  bool empty() const { return emails_.empty() && contacts_.empty(); }

 private:
  std::set<std::pair<std::string, std::string>> emails_;
  std::set<std::pair<std::string, long long>> contacts_;
};

}  // namespace cf::ingest
