#include "reconcile/findings.h"

#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "common/text.h"
#include "reconcile/queries.h"

namespace cf::reconcile {

using nlohmann::json;

namespace {

// libpqxx 6.4 takes statements as std::string, not std::string_view.
const std::string kSelectFindings(sql::select_findings);
const std::string kSetFindingStatus(sql::set_finding_status);
const std::string kSelectFindingIds(sql::select_finding_ids);
const std::string kSelectPersonFindingIds(sql::select_person_finding_ids);

Finding read(const pqxx::row& row) {
  Finding f;
  f.id = row[0].as<long long>();
  f.kind = row[1].as<std::string>();
  f.subject = row[2].as<std::string>();
  f.status = row[3].as<std::string>();
  f.tenants = json::parse(row[4].c_str());
  f.evidence = json::parse(row[5].c_str());
  f.fingerprint = row[6].as<std::string>();
  f.first_seen = row[7].as<std::string>();
  f.last_seen = row[8].as<std::string>();
  f.status_by = row[9].as<std::string>();
  f.status_at = row[10].as<std::string>();
  f.status_note = row[11].as<std::string>();
  f.held_deliveries = json::parse(row[12].c_str()).get<std::vector<long long>>();
  return f;
}

const std::set<std::string>& kinds() {
  static const std::set<std::string> all{"shared_contact", "foreign_prefix", "owner_mismatch", "unknown_prefix"};
  return all;
}

std::string csv_cell(std::string text) {
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
                        text[0] == '\r')) {
    text.insert(text.begin(), '\'');
  }
  if (text.find_first_of(",\"\n\r") != std::string::npos) {
    std::string quoted = "\"";
    for (char c : text) {
      if (c == '"') quoted += '"';
      quoted += c;
    }
    return quoted + '"';
  }
  return text;
}

std::string tenant_list(const Finding& f) {
  std::string out;
  for (const auto& t : f.tenants) {
    if (!out.empty()) out += ' ';
    out += t.value("tenant_id", "");
    if (t.contains("lead_id") && t["lead_id"].is_null()) out += "(no lead)";
  }
  return out;
}

}  // namespace

json to_json(const Finding& f) {
  return {{"id", f.id},           {"kind", f.kind},           {"subject", f.subject},
          {"status", f.status},   {"tenants", f.tenants},     {"evidence", f.evidence},
          {"fingerprint", f.fingerprint}, {"first_seen", f.first_seen}, {"last_seen", f.last_seen},
          {"status_by", f.status_by.empty() ? json(nullptr) : json(f.status_by)},
          {"status_at", f.status_at.empty() ? json(nullptr) : json(f.status_at)},
          {"status_note", f.status_note.empty() ? json(nullptr) : json(f.status_note)},
          {"held_deliveries", f.held_deliveries}};
}

namespace {

std::optional<Error> check_filter(const std::string& status, const std::string& kind) {
  static const std::set<std::string> statuses{"open", "all", "acknowledged", "dismissed", "resolved"};
  if (statuses.count(status) == 0) return invalid_input("status must be open, all, acknowledged, dismissed or resolved");
  if (!kind.empty() && kinds().count(kind) == 0) {
    return invalid_input("kind must be shared_contact, foreign_prefix, owner_mismatch or unknown_prefix");
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<Finding>> list_findings(pqxx::connection& connection, const std::string& status,
                                           const std::string& kind) {
  if (auto bad = check_filter(status, kind)) return *bad;
  pqxx::read_transaction tx(connection);
  std::vector<Finding> out;
  for (const auto& row : tx.exec_params(kSelectFindings, status, kind, std::optional<std::string>())) {
    out.push_back(read(row));
  }
  return out;
}

Result<FindingPage> page_findings(pqxx::connection& connection, const FindingFilter& filter, int limit,
                                  std::optional<long long> after) {
  if (auto bad = check_filter(filter.status, filter.kind)) return *bad;
  pqxx::read_transaction tx(connection);
  std::string ids;
  std::vector<long long> order;
  FindingPage page;
  // One more id than shown means another page follows.
  const bool about_person = !filter.tenant_id.empty() || !filter.email.empty() || filter.contact_id;
  const auto rows = about_person ? tx.exec_params(kSelectPersonFindingIds, filter.status, filter.kind, filter.tenant_id,
                                                  filter.email, filter.contact_id, after, limit + 1)
                                 : tx.exec_params(kSelectFindingIds, filter.status, filter.kind, after, limit + 1);
  for (const auto& row : rows) {
    if (static_cast<int>(order.size()) == limit) {
      page.next_after = order.back();
      break;
    }
    order.push_back(row[0].as<long long>());
    ids += (ids.empty() ? "" : ",") + std::to_string(order.back());
  }
  if (order.empty()) return page;
  std::map<long long, Finding> by_id;
  for (const auto& row : tx.exec_params(kSelectFindings, "all", "", "{" + ids + "}")) {
    Finding f = read(row);
    by_id.emplace(f.id, std::move(f));
  }
  for (const long long id : order) {
    if (auto found = by_id.find(id); found != by_id.end()) page.items.push_back(std::move(found->second));
  }
  return page;
}

std::optional<Error> check_action_input(const std::string& by, const std::string& note) {
  if (by.empty() || by.size() > 200 || !is_printable_utf8(by)) {
    return invalid_input("by is required (who takes the action): at most 200 characters, no control characters");
  }
  // A note may span lines; U+0000 cannot be stored.
  if (note.size() > 2000 || holds_nul(note)) {
    return invalid_input("note must be at most 2000 characters, without U+0000");
  }
  return std::nullopt;
}

std::optional<Finding> find_finding(pqxx::transaction_base& tx, long long id) {
  const auto rows = tx.exec_params(kSelectFindings, "all", "", "{" + std::to_string(id) + "}");
  if (rows.empty()) return std::nullopt;
  return read(rows[0]);
}

Result<Finding> set_finding_status(pqxx::connection& connection, long long id, const std::string& action,
                                   const std::string& by, const std::string& note) {
  static const std::map<std::string, std::string> to_status{
      {"acknowledge", "acknowledged"}, {"dismiss", "dismissed"}, {"resolve", "resolved"}};
  const auto target = to_status.find(action);
  if (target == to_status.end()) return invalid_input("action must be acknowledge, dismiss, resolve or assign");
  if (auto bad = check_action_input(by, note)) return *bad;
  pqxx::work tx(connection);
  if (tx.exec_params(kSetFindingStatus, id, target->second, by, note).empty()) {
    return not_found("no finding with id " + std::to_string(id));
  }
  auto changed = find_finding(tx, id);
  tx.commit();
  return *changed;
}

std::string report_text(const std::vector<Finding>& findings) {
  std::ostringstream out;
  out << std::left << std::setw(7) << "ID" << std::setw(16) << "KIND" << std::setw(14) << "STATUS" << std::setw(40)
      << "SUBJECT" << "TENANTS (first capture first)\n";
  for (const auto& f : findings) {
    out << std::setw(7) << f.id << std::setw(16) << f.kind << std::setw(14) << f.status << std::setw(40) << f.subject
        << tenant_list(f) << '\n';
  }
  out << findings.size() << " finding" << (findings.size() == 1 ? "" : "s") << '\n';
  return out.str();
}

std::string report_csv(const std::vector<Finding>& findings) {
  std::string out = "id,kind,status,subject,tenants,evidence,first_seen,last_seen,status_by,status_at,status_note\r\n";
  for (const auto& f : findings) {
    const std::vector<std::string> cells{std::to_string(f.id), f.kind,        f.status,      f.subject,
                                         tenant_list(f),       f.evidence.dump(), f.first_seen, f.last_seen,
                                         f.status_by,          f.status_at,   f.status_note};
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_cell(cells[i]);
    out += "\r\n";
  }
  return out;
}

std::string report_json(const std::vector<Finding>& findings) {
  json array = json::array();
  for (const auto& f : findings) array.push_back(to_json(f));
  return array.dump(2) + "\n";
}

}  // namespace cf::reconcile
