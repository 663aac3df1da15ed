#include "store/erasure.h"

#include <map>
#include <set>

#include "common/crypto.h"
#include "store/person_lock.h"
#include "store/queries.h"
#include "store/statements.h"

namespace cf::store {

using nlohmann::json;

std::string email_mark(const Secret& key, const std::string& normalised_email) {
  return crypto::to_hex(crypto::hmac_sha256(key.reveal(), "email:" + normalised_email));
}

std::string contact_mark(const Secret& key, long long contact_id) {
  return crypto::to_hex(crypto::hmac_sha256(key.reveal(), "contact:" + std::to_string(contact_id)));
}

std::optional<LeadErasure> erase_tenant_lead(pqxx::transaction_base& tx, const std::string& tenant_id,
                                             const std::string& lead_id, const Secret& key) {
  const auto found = exec_statement(tx, sql::erase_tenant_lead_find, lead_id);
  if (found.empty()) return std::nullopt;
  const std::string email = found[0][0].as<std::string>();
  const std::optional<long long> contact =
      found[0][1].is_null() ? std::nullopt : std::optional<long long>(found[0][1].as<long long>());
  // Take turns with webhook ingest about the same person, as a capture does.
  lock_people(tx, {email}, contact ? std::vector<long long>{*contact} : std::vector<long long>{});
  const auto rows = exec_statement1(tx, sql::erase_tenant_lead_rows, tenant_id, lead_id);
  if (rows[0].as<long long>() == 0) return std::nullopt;  // erased meanwhile
  LeadErasure erased;
  erased.timeline_entries = rows[1].as<long long>();
  erased.outbox_jobs = rows[2].as<long long>();
  erased.contact_jobs_queued = rows[3].as<long long>();
  const json counts{{"leads", rows[0].as<long long>()},
                    {"timeline_entries", erased.timeline_entries},
                    {"outbox_jobs", erased.outbox_jobs},
                    {"contact_jobs_queued", erased.contact_jobs_queued}};
  const std::string contact_text = contact ? std::to_string(*contact) : std::string();
  const std::string contact_hex = contact ? contact_mark(key, *contact) : std::string();
  erased.deliveries_scrubbed =
      exec_statement1(tx, sql::erase_tenant_lead_scrub, tenant_id, lead_id, email,
                      contact ? contact_text.c_str() : nullptr, email_mark(key, email),
                      contact ? contact_hex.c_str() : nullptr, counts.dump())[0]
          .as<long long>();
  return erased;
}

long long lift_erasure_marks(pqxx::transaction_base& tx, const std::string& tenant_id, const Secret& key,
                             const std::string& email) {
  if (key.empty()) return 0;
  return exec_statement1(tx, sql::erase_lift_marks, tenant_id, email_mark(key, email))[0].as<long long>();
}

std::set<long long> erased_everywhere(pqxx::transaction_base& tx, const Secret& key,
                                      const std::vector<std::pair<long long, std::string>>& contacts) {
  std::set<long long> erased;
  if (key.empty() || contacts.empty()) return erased;
  std::map<std::string, long long> contact_of;
  for (const auto& [id, email] : contacts) {
    contact_of[contact_mark(key, id)] = id;
    if (!email.empty()) contact_of[email_mark(key, email)] = id;
  }
  json marks = json::array();
  for (const auto& entry : contact_of) marks.push_back(entry.first);
  for (const auto& row : exec_statement(tx, sql::erase_global_marks, marks.dump())) {
    erased.insert(contact_of.at(row[0].as<std::string>()));
  }
  return erased;
}

namespace {

// The person's leads in every tenant, gone: counts them into `counts`; returns them as
// [{tenant_id, lead_id, contact_id}], first captured first.
json erase_leads(pqxx::transaction_base& tx, const std::string& email, const json& contacts, json& counts) {
  const auto row = exec_statement1(tx, sql::erase_person_leads, email, contacts.dump());
  const json leads = json::parse(row[0].c_str());
  std::set<std::string> tenants;
  for (const auto& lead : leads) tenants.insert(lead.at("tenant_id").get<std::string>());
  counts["leads"] = leads.size();
  counts["tenants"] = tenants.size();
  counts["timeline_entries"] = row[1].as<long long>();
  counts["outbox_jobs"] = row[2].as<long long>();
  return leads;
}

// Everything else that names the person, counted into `counts`.
void erase_traces(pqxx::transaction_base& tx, const std::string& email, const json& contacts, const json& leads,
                  json& counts) {
  json lead_ids = json::array();
  for (const auto& lead : leads) lead_ids.push_back(lead.at("lead_id"));
  const auto row = exec_statement1(tx, sql::erase_person_traces, email, contacts.dump(), lead_ids.dump());
  counts["mirror_rows"] = row[0].as<long long>();
  counts["deliveries_scrubbed"] = row[1].as<long long>();
  counts["outbox_errors_cleared"] = row[2].as<long long>() + row[3].as<long long>();
  const std::string findings = row[4].as<std::string>();
  counts["assignments"] =
      exec_statement1(tx, sql::erase_person_assignments, email, contacts.dump(), findings)[0].as<long long>();
  counts["findings"] = exec_statement(tx, sql::erase_person_findings, findings).affected_rows();
}

// The relay's own id (migration 014): it carries the contact jobs of a person no tenant held.
constexpr const char* kRelayOwnId = "00000000-0000-0000-0000-000000000000";

// The deletion of each contact, carried by the tenant of the first erased lead, or by the relay
// itself when no tenant held the person (the mirror or a delivery knows the contact); how many
// were queued.
long long queue_deletions(pqxx::transaction_base& tx, const json& contacts, const json& leads) {
  const std::string tenant = leads.empty() ? kRelayOwnId : leads.front().at("tenant_id").get<std::string>();
  const std::string lead = leads.empty() ? kRelayOwnId : leads.front().at("lead_id").get<std::string>();
  for (const auto& contact : contacts) {
    exec_statement(tx, sql::erase_person_queue_deletion, tenant, lead, contact.get<long long>());
  }
  return static_cast<long long>(contacts.size());
}

// Without the contact's deletion, each tenant that held the person takes its prefixed tags and
// owner fields off each of the person's contacts, as its own DELETE would; how many were queued.
long long queue_erasures(pqxx::transaction_base& tx, const json& contacts, const json& leads) {
  std::set<std::string> tenants;
  long long queued = 0;
  for (const auto& lead : leads) {
    const std::string tenant = lead.at("tenant_id").get<std::string>();
    if (!tenants.insert(tenant).second) continue;
    for (const auto& contact : contacts) {
      exec_statement(tx, sql::erase_queue_contact_erasure, tenant, lead.at("lead_id").get<std::string>(),
                     contact.get<long long>());
      ++queued;
    }
  }
  return queued;
}

}  // namespace

PersonErasure erase_person(pqxx::connection& connection, const Secret& key, const std::string& email,
                           const std::string& by, bool delete_contact) {
  pqxx::work tx(connection);
  // Take turns with webhook ingest about the person: every key it is known by, in one call (one order).
  const json contacts = json::parse(exec_statement1(tx, sql::erase_person_contacts, email)[0].c_str());
  const std::vector<long long> contact_ids = contacts.get<std::vector<long long>>();
  lock_people(tx, {email}, contact_ids);
  PersonErasure erased;
  erased.counts = json::object();
  const json leads = erase_leads(tx, email, contacts, erased.counts);
  erase_traces(tx, email, contacts, leads, erased.counts);
  // Systeme.io hears of the erasure either way (sql/014): the contact goes, or every IB's part of it.
  erased.counts["contact_deletions_queued"] = delete_contact ? queue_deletions(tx, contacts, leads) : 0;
  erased.counts["contact_erasures_queued"] = delete_contact ? 0 : queue_erasures(tx, contacts, leads);
  json marks = json::array({{{"kind", "email"}, {"mark", email_mark(key, email)}}});
  for (const auto id : contact_ids) marks.push_back({{"kind", "contact"}, {"mark", contact_mark(key, id)}});
  json tenants = json::array();
  for (const auto& lead : leads) tenants.push_back(lead.at("tenant_id"));
  erased.audit_id = exec_statement1(tx, sql::erase_person_record, by, erased.counts.dump(), marks.dump(), tenants.dump())[0]
                        .as<long long>();
  tx.commit();
  return erased;
}

json to_json(const ErasureRecord& record) {
  return {{"id", record.id},
          {"scope", record.scope},
          {"erased_by", record.erased_by},
          {"tenant_id", record.tenant_id.empty() ? json(nullptr) : json(record.tenant_id)},
          {"counts", record.counts},
          {"erased_at", record.erased_at}};
}

std::vector<ErasureRecord> list_erasures(pqxx::transaction_base& tx, int limit) {
  std::vector<ErasureRecord> out;
  for (const auto& row : exec_statement(tx, sql::erasures_list, limit)) {
    out.push_back({row[0].as<long long>(), row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<std::string>(),
                   row[5].as<std::string>(), json::parse(row[4].c_str())});
  }
  return out;
}

}  // namespace cf::store
