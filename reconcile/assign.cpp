#include "reconcile/assign.h"

#include <set>

#include "common/email.h"
#include "reconcile/queries.h"
#include "store/tenants.h"

namespace cf::reconcile {

using nlohmann::json;

namespace {

// The person a finding is about: its email and/or Systeme.io contact id.
struct Person {
  std::optional<std::string> email;
  std::optional<long long> contact_id;
};

Person person_of(const std::string& kind, const std::string& subject, const json& evidence) {
  Person person;
  if (kind == "shared_contact") {
    if (subject.rfind("contact:", 0) == 0) {
      person.contact_id = std::stoll(subject.substr(8));
    } else {
      person.email = subject;
    }
    return person;
  }
  person.contact_id = std::stoll(subject.substr(0, subject.find(':')));  // foreign_prefix: "<contact id>:<prefix>"
  if (evidence.contains("email") && evidence["email"].is_string()) person.email = Email::normalize(evidence["email"].get<std::string>());
  return person;
}

}  // namespace

Result<Assigned> assign_finding(pqxx::connection& connection, long long id, const std::string& by,
                                const std::string& note, const std::vector<std::string>& tenant_ids) {
  if (auto bad = check_action_input(by, note)) return *bad;
  if (tenant_ids.empty() || tenant_ids.size() > 50) return invalid_input("tenant_ids must name 1 to 50 tenants");
  const std::set<std::string> distinct(tenant_ids.begin(), tenant_ids.end());
  if (distinct.size() != tenant_ids.size()) return invalid_input("tenant_ids names a tenant twice");
  for (const auto& tenant : tenant_ids) {
    if (!store::is_uuid(tenant)) return invalid_input("tenant_ids: not a tenant id: " + tenant);
  }

  pqxx::work tx(connection);
  const auto rows = tx.exec_params(std::string(sql::assign_lock_finding), id);
  if (rows.empty()) return not_found("no finding with id " + std::to_string(id));
  const std::string kind = rows[0][0].as<std::string>();
  if (kind != "shared_contact" && kind != "foreign_prefix") {
    return invalid_input("only shared_contact and foreign_prefix findings can be assigned");
  }
  const Person person = person_of(kind, rows[0][1].as<std::string>(), json::parse(rows[0][2].c_str()));
  const std::string tenants_json = json(tenant_ids).dump();
  const auto known = tx.exec_params(std::string(sql::assign_unknown_tenants), tenants_json)[0][0];
  const auto unknown = json::parse(known.c_str());
  if (!unknown.empty()) return invalid_input("tenant_ids: no tenant with id " + unknown[0].get<std::string>());

  // One assignment per person: it replaces any earlier one for this email or contact id.
  tx.exec_params("DELETE FROM contact_assignments WHERE email = $1 OR contact_id = $2", person.email, person.contact_id);
  tx.exec_params(std::string(sql::assign_record), person.email, person.contact_id, id, by, note, tenants_json);
  // Each owner gets its lead, when the person's email is known, with the rule webhooks its
  // workflows sent about the person while it had none.
  if (person.email) {
    const auto created =
        tx.exec_params(std::string(sql::assign_create_leads), *person.email, person.contact_id, tenants_json);
    for (const auto& lead : created) {
      tx.exec_params("SELECT clientflow_route_waiting_rule_deliveries($1::uuid, $2::uuid)", lead[0].as<std::string>(),
                     lead[1].as<std::string>());
    }
  }
  tx.exec_params(std::string(sql::assign_resolve_finding), id, by, note);

  Assigned assigned;
  std::vector<long long> held;
  for (const auto& row : tx.exec_params(std::string(sql::assign_held_deliveries), person.email, person.contact_id)) {
    held.push_back(row[0].as<long long>());
  }
  if (!held.empty()) assigned.replay = store::IngestStore(connection).replay_ids(tx, held);
  assigned.finding = *find_finding(tx, id);
  tx.commit();
  return assigned;
}

}  // namespace cf::reconcile
