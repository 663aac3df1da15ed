// Erasure of people (sql/011): a tenant's erasure of its lead (DELETE /v1/leads/{id}, and later a
// tenant's deletion), an admin's erasure of a person everywhere (`clientflow-relay erase`), the
// marks that keep a webhook from bringing the person back, their lifting by a new capture, and
// the audit of erasures. A mark is HMAC-SHA256(privacy.erasure_key, "email:" + normalised email
// or "contact:" + contact id): the email itself is never kept. Functions run on the transaction
// or connection they are given, from its thread; database errors are thrown as libpqxx throws them.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "config/secret.h"

namespace cf::store {

// The marks, as lower-case hex.
std::string email_mark(const Secret& key, const std::string& normalised_email);
std::string contact_mark(const Secret& key, long long contact_id);

// What a tenant's erasure of one lead did.
struct LeadErasure {
  long long timeline_entries = 0;
  long long outbox_jobs = 0;          // the lead's jobs deleted
  long long contact_jobs_queued = 0;  // erase_contact jobs queued (0 when the lead had no contact)
  long long deliveries_scrubbed = 0;
};

// Erases the lead `lead_id` of the tenant `tx` is bound to (store/tenant_scope.h): the lead, its
// timeline and outbox jobs go; its deliveries lose body, email and detail; the outbox removes the
// tenant's tags and owner fields from its Systeme.io contact; marks keep webhooks from giving it
// back; an audit entry is written. nullopt (nothing changed) when the tenant has no such lead.
std::optional<LeadErasure> erase_tenant_lead(pqxx::transaction_base& tx, const std::string& tenant_id,
                                             const std::string& lead_id, const Secret& key);

// A capture of `email` by the tenant `tx` is bound to (new consent): lifts that tenant's marks of
// the person, and every global erasure of the person for that tenant alone (sql/015: the global
// marks stay for every other tenant). Returns the marks and erasures lifted; 0 without a key.
long long lift_erasure_marks(pqxx::transaction_base& tx, const std::string& tenant_id, const Secret& key,
                             const std::string& email);

// Of `contacts` (contact id and normalised email, "" for none), the ids of those erased
// everywhere (a global mark of either that no tenant has lifted by capturing the person since),
// which the contact mirror must not hold. None without a key.
std::set<long long> erased_everywhere(pqxx::transaction_base& tx, const Secret& key,
                                      const std::vector<std::pair<long long, std::string>>& contacts);

// What erase_person() did, counted (never the email).
struct PersonErasure {
  long long audit_id = 0;
  nlohmann::json counts;  // leads, tenants, timeline_entries, outbox_jobs, mirror_rows, ...
};

// Erases the person `email` (normalised by Email::normalize; stored emails and text are matched by
// the same normalisation, stored JSON by its decoded text: sql/015) everywhere, in one transaction (system role): leads in
// every tenant, the mirror, every stored delivery's body, email, contact id and detail about
// them, outbox and sync errors and findings naming them, admins' assignments of them; keeps the
// global marks and each former tenant's; records the audit entry by `by`. With
// `delete_contact`, queues the deletion of each of the person's Systeme.io contacts (carried by
// the tenant of an erased lead, or by the relay's own id when no tenant held the person);
// without, queues for each tenant that held the person the erase_contact job of each contact
// (its prefixed tags and owner fields taken off, the contact kept).
PersonErasure erase_person(pqxx::connection& connection, const Secret& key, const std::string& email,
                           const std::string& by, bool delete_contact);

// One audit entry (store/erasure_audit.h lists them).
struct ErasureRecord {
  long long id = 0;
  std::string scope, erased_by, tenant_id, erased_at;
  nlohmann::json counts;
};
nlohmann::json to_json(const ErasureRecord& record);

}  // namespace cf::store
