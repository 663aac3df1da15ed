// ErasedPeople: the people erased from ClientFlow (sql/011, sql/015), as one batch of deliveries
// needs to know them. The store finds their marks (HMACs of email and contact id, never the email)
// and tells this set which of the batch's emails and contact ids they matched, globally (`erase
// --email`) or for one tenant (DELETE /v1/leads/{id}), and which tenants have lifted a global
// erasure by capturing the person since. apply_erasure() then keeps the planner from giving a lead
// back: a delivery about a globally erased person is `erased` (stored without body, email,
// contact id or detail, not mirrored) unless it routes to a lead of a tenant that captured the
// person since; one that would create a lead for a tenant that erased the person, or that a
// global erasure still keeps from them, is `erased` too, its new lead dropped. A plain value,
// one thread.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ingest/event.h"

namespace cf::ingest {

class ErasedPeople {
 public:
  // `tenant_id` empty: erased everywhere but for the tenants in `lifted_for` (each captured the
  // person since: new consent for that tenant alone).
  void add_email(const std::string& tenant_id, const std::string& email, std::set<std::string> lifted_for = {}) {
    marks_.push_back({tenant_id, email, std::nullopt, std::move(lifted_for)});
  }
  void add_contact(const std::string& tenant_id, long long contact_id, std::set<std::string> lifted_for = {}) {
    marks_.push_back({tenant_id, "", contact_id, std::move(lifted_for)});
  }

  // Erased everywhere and no tenant has captured the person since: nothing routes.
  bool everywhere(const Contact& contact) const {
    return any(contact, [](const Mark& m) { return m.tenant_id.empty() && m.lifted_for.empty(); });
  }
  // Erased everywhere, whether or not some tenant has captured the person since.
  bool marked_everywhere(const Contact& contact) const {
    return any(contact, [](const Mark& m) { return m.tenant_id.empty(); });
  }
  // The tenant may not get the person back from a webhook: it erased them, or a global erasure it
  // has not lifted still stands.
  bool for_tenant(const std::string& tenant_id, const Contact& contact) const {
    return any(contact, [&](const Mark& m) {
      return m.tenant_id == tenant_id || (m.tenant_id.empty() && m.lifted_for.count(tenant_id) == 0);
    });
  }
  bool empty() const { return marks_.empty(); }

 private:
  struct Mark {
    std::string tenant_id;  // empty: everywhere
    std::string email;      // empty for a contact mark
    std::optional<long long> contact_id;
    std::set<std::string> lifted_for;
  };
  template <typename Pred>
  bool any(const Contact& contact, Pred pred) const {
    for (const auto& m : marks_) {
      const bool same = m.contact_id ? (contact.id && *contact.id == *m.contact_id)
                                     : (!contact.email.empty() && contact.email == m.email);
      if (same && pred(m)) return true;
    }
    return false;
  }
  std::vector<Mark> marks_;
};

}  // namespace cf::ingest
