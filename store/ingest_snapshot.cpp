#include "store/ingest_snapshot.h"

#include <nlohmann/json.hpp>

#include "store/erasure.h"
#include "store/ingest_statements.h"
#include "store/person_lock.h"
#include "store/tenants.h"

namespace cf::store {

using nlohmann::json;

namespace {

// The tenant ids worth looking up: the others (an ib_owner_id that is no UUID) name no tenant.
std::string uuids(const std::vector<std::string>& ids) {
  json out = json::array();
  for (const auto& id : ids) {
    if (is_uuid(id)) out.push_back(id);
  }
  return out.dump();
}

// The marks the request's people would have, each with the person it stands for.
struct PersonMark {
  std::string email;
  std::optional<long long> contact_id;
};
std::map<std::string, PersonMark> marks_of(const ingest::SnapshotRequest& request, const Secret& key) {
  std::map<std::string, PersonMark> marks;
  if (key.empty()) return marks;
  for (const auto& email : request.emails) marks[email_mark(key, email)] = {email, std::nullopt};
  for (const auto id : request.contact_ids) marks[contact_mark(key, id)] = {"", id};
  return marks;
}

// "BEGIN; " when asked, then "EXECUTE ingest_lock_people(...); EXECUTE ingest_read(...)".
std::string lock_and_read(pqxx::transaction_base& tx, const ingest::SnapshotRequest& request, bool begin,
                          const std::map<std::string, PersonMark>& marks) {
  json mark_list = json::array();
  for (const auto& [mark, person] : marks) mark_list.push_back(mark);
  json hashes = json::array();
  for (const auto& [hash, token] : request.rule_tokens) hashes.push_back(hash);
  const std::string emails = json(request.emails).dump(), contact_ids = json(request.contact_ids).dump();
  const std::string none = "[]";
  std::string sql = begin ? "BEGIN; " : "";
  sql += ingest_statements::execute(tx, "ingest_lock_people", {person_lock_keys(request.emails, request.contact_ids)});
  sql += "; ";
  sql += ingest_statements::execute(
      tx, "ingest_read",
      {json(request.account_keys).dump(), hashes.dump(), emails, contact_ids, json(request.prefixes).dump(),
       uuids(request.tenant_ids), request.assignments ? emails : none, request.assignments ? contact_ids : none,
       json(request.mirror_tag_contacts).dump(), mark_list.dump()});
  return sql;
}

template <typename T>
std::optional<T> optional_of(const json& value) {
  return value.is_null() ? std::nullopt : std::optional<T>(value.get<T>());
}

ingest::MirrorRecord mirror_of(const json& m) {
  ingest::MirrorRecord mirror;
  mirror.contact_id = m.at("contact_id").get<long long>();
  mirror.email = m.at("email").get<std::string>();
  mirror.tags = m.at("tags").get<std::vector<std::string>>();
  mirror.fields = m.at("fields").get<std::map<std::string, std::string>>();
  mirror.snapshot_at = optional_of<EpochMs>(m.at("snapshot_at"));
  return mirror;
}

ingest::Assignment assignment_of(const json& a) {
  ingest::Assignment assignment;
  assignment.email = a.at("email").get<std::string>();
  assignment.contact_id = optional_of<long long>(a.at("contact_id"));
  assignment.tenant_ids = a.at("tenant_ids").get<std::vector<std::string>>();
  return assignment;
}

ingest::LeadRecord lead_of(const json& l) {
  ingest::LeadRecord lead;
  lead.tenant_id = l.at("tenant_id").get<std::string>();
  lead.id = l.at("id").get<std::string>();
  lead.email = l.at("email").get<std::string>();
  lead.contact_id = optional_of<long long>(l.at("systeme_contact_id"));
  for (const auto& tag : l.at("tags")) lead.tags.insert(tag.get<std::string>());
  lead.tag_clock = l.at("tag_clock").get<std::map<std::string, EpochMs>>();
  lead.open_count = l.at("open_count").get<int>();
  lead.last_opened_at = optional_of<EpochMs>(l.at("last_opened_at"));
  return lead;
}

json column(const pqxx::row& row, const char* name) { return json::parse(row[name].c_str()); }

std::vector<ingest::StoredDelivery> stored_deliveries(const pqxx::result& rows, const ingest::ParseOptions& parse) {
  std::vector<ingest::StoredDelivery> stored;
  stored.reserve(rows.size());
  for (const auto& row : rows) {
    const ingest::Source source = row["source"].as<std::string>() == "rule" ? ingest::Source::rule : ingest::Source::account;
    const std::optional<EpochMs> event_at =
        row["event_at"].is_null() ? std::nullopt : std::optional<EpochMs>(row["event_at"].as<long long>());
    stored.push_back({row["id"].as<long long>(), row["status"].as<std::string>(), row["rule_tenant_id"].as<std::string>(),
                      ingest::reparse(source, row["event_type"].as<std::string>(), pqxx::binarystring(row["body"]).str(),
                                      event_at, row["received_at"].as<long long>(), parse)});
  }
  return stored;
}

}  // namespace

ingest::BatchSnapshot read_snapshot(pqxx::transaction_base& tx, const ingest::SnapshotRequest& request, bool begin,
                                    const Secret& erasure_key) {
  const auto marks = marks_of(request, erasure_key);
  const auto row = tx.exec1(lock_and_read(tx, request, begin, marks));
  ingest::BatchSnapshot snapshot;
  for (const auto& key : column(row, "stored_dedup_keys")) snapshot.stored_keys.insert(key.get<std::string>());
  for (const auto& t : column(row, "rule_token_tenants")) {
    snapshot.tenant_of_token[request.rule_tokens.at(t.at("rule_token_hash").get<std::string>())] =
        t.at("tenant_id").get<std::string>();
  }
  for (const auto& m : column(row, "mirrors")) snapshot.view.add_mirror(mirror_of(m));
  for (const auto& t : column(row, "tenants")) {
    snapshot.view.add_tenant(
        {t.at("id").get<std::string>(), t.at("prefix").get<std::string>(), t.at("suspended").get<bool>()});
  }
  for (const auto& prefix : column(row, "retired")) snapshot.view.add_retired_prefix(prefix.get<std::string>());
  for (const auto& a : column(row, "assignments")) snapshot.view.add_assignment(assignment_of(a));
  for (const auto& l : column(row, "leads")) snapshot.view.add_lead(lead_of(l));
  for (const auto& m : column(row, "erasure_marks")) {
    const auto person = marks.find(m.at("mark").get<std::string>());
    if (person == marks.end()) continue;
    const std::string tenant = m.at("erased_for").is_null() ? std::string() : m.at("erased_for").get<std::string>();
    std::set<std::string> lifted_for;  // a global erasure's tenants that captured the person since
    if (tenant.empty()) lifted_for = m.at("lifted_for").get<std::set<std::string>>();
    if (person->second.contact_id) snapshot.view.erased().add_contact(tenant, *person->second.contact_id, lifted_for);
    else snapshot.view.erased().add_email(tenant, person->second.email, lifted_for);
  }
  return snapshot;
}

std::set<std::string> claim_rule_fingerprints(pqxx::transaction_base& tx, const std::vector<std::string>& fingerprints) {
  std::set<std::string> claimed;
  if (fingerprints.empty()) return claimed;
  const std::string sql = ingest_statements::execute(tx, "ingest_claim_rule_fingerprints", {json(fingerprints).dump()});
  for (const auto& row : tx.exec(sql)) claimed.insert(row[0].as<std::string>());
  return claimed;
}

std::vector<ingest::StoredDelivery> read_unrouted(pqxx::transaction_base& tx, const std::string& status,
                                                  long long after_id, int limit, const ingest::ParseOptions& parse) {
  const std::string sql =
      ingest_statements::execute(tx, "replay_select", {std::to_string(after_id), status, std::to_string(limit)});
  return stored_deliveries(tx.exec(sql), parse);
}

std::vector<ingest::StoredDelivery> read_unrouted_ids(pqxx::transaction_base& tx, const std::vector<long long>& ids,
                                                      const ingest::ParseOptions& parse) {
  return stored_deliveries(tx.exec(ingest_statements::execute(tx, "replay_select_ids", {json(ids).dump()})), parse);
}

}  // namespace cf::store
