#include "store/leads.h"

#include <regex>
#include <set>

#include "common/email.h"
#include "common/json_depth.h"
#include "common/tag_prefix.h"
#include "common/text.h"
#include "store/erasure.h"
#include "store/person_lock.h"
#include "store/queries.h"
#include "store/recapture.h"
#include "store/statements.h"
#include "store/tenant_scope.h"

namespace cf::store {

using nlohmann::json;

namespace {

std::optional<std::string> opt(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<std::string>(f.as<std::string>());
}

}  // namespace

Lead read_lead(const pqxx::row& row) {
  Lead lead;
  lead.id = row[0].as<std::string>();
  lead.email = row[1].as<std::string>();
  lead.name = opt(row[2]);
  lead.phone = opt(row[3]);
  lead.ib_type = opt(row[4]);
  lead.monthly_leads = opt(row[5]);
  lead.broker_network = opt(row[6]);
  lead.tags = json::parse(row[7].c_str()).get<std::vector<std::string>>();
  lead.converted = row[8].as<bool>();
  lead.open_count = row[9].as<int>();
  lead.last_opened_at = opt(row[10]);
  if (!row[11].is_null()) lead.systeme_contact_id = row[11].as<long long>();
  lead.synced_at = opt(row[12]);
  lead.sync_error = opt(row[13]);
  lead.created_at = row[14].as<std::string>();
  // row[15]: created_at in microseconds, for cursors
  lead.converted_at = opt(row[16]);
  lead.converted_by = opt(row[17]);
  lead.systeme_registered_at = opt(row[18]);
  return lead;
}

namespace {

json nullable(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

bool is_slug(const std::string& text, std::size_t max) {
  static const std::regex slug("^[a-z0-9]+(-[a-z0-9]+)*$");
  return !text.empty() && text.size() <= max && std::regex_match(text, slug);
}

constexpr const char* kLookAlikeIbType =
    "ib_type must not hold the shape of a tag prefix (ib-, then 3 to 32 letters or digits, then -)";

}  // namespace

std::variant<LeadInput, FieldError> parse_lead_input(const std::string& body, int max_json_depth) {
  if (!json_depth_within(body, max_json_depth)) return FieldError{"", too_deep_message(max_json_depth)};
  const json root = json::parse(body, nullptr, false);
  if (root.is_discarded() || !root.is_object()) return FieldError{"", "body must be a JSON object"};
  static const std::set<std::string> known{"email", "name", "phone", "ib_type", "monthly_leads", "broker_network"};
  for (const auto& [key, value] : root.items()) {
    if (key == "update") {
      if (!value.is_boolean()) return FieldError{key, "update must be true or false"};
      continue;
    }
    if (known.count(key) == 0) return FieldError{key, "unknown field"};
    if (!value.is_string() && !value.is_null()) return FieldError{key, "must be a string"};
  }
  const auto text = [&](const char* key) {
    return root.contains(key) && root[key].is_string() ? std::string(trim(root[key].get<std::string>())) : std::string();
  };
  LeadInput input;
  auto email = Email::parse(text("email"));
  if (!email) return FieldError{"email", email.error().message};
  input.email = email->str();
  input.update = root.value("update", false);

  input.name = text("name");
  if (input.name.empty()) return FieldError{"name", "name is required"};
  if (input.name.size() > 200 || !is_printable_utf8(input.name)) {
    return FieldError{"name", "name must be at most 200 bytes of text without control characters"};
  }
  input.phone = text("phone");
  if (!input.phone.empty() && !is_phone_number(input.phone)) {
    return FieldError{"phone", "phone must have 5 or more digits and only digits, spaces and + - ( ) ."};
  }
  input.ib_type = text("ib_type");
  if (!is_slug(input.ib_type, 40)) {
    return FieldError{"ib_type", "ib_type must be a lower-case slug such as forex-ib (at most 40 characters)"};
  }
  if (TagPrefix::found_in(input.ib_type)) return FieldError{"ib_type", kLookAlikeIbType};
  input.monthly_leads = text("monthly_leads");
  static const std::set<std::string> volumes{"0-50", "50-200", "200-500", "500+"};
  if (volumes.count(input.monthly_leads) == 0) {
    return FieldError{"monthly_leads", "monthly_leads must be one of 0-50, 50-200, 200-500, 500+"};
  }
  input.broker_network = text("broker_network");
  if (input.broker_network.size() > 100 || !is_printable_utf8(input.broker_network)) {
    return FieldError{"broker_network", "broker_network must be at most 100 bytes of text without control characters"};
  }
  return input;
}

json to_json(const Lead& lead) {
  return {{"id", lead.id},
          {"email", lead.email},
          {"name", nullable(lead.name)},
          {"phone", nullable(lead.phone)},
          {"ib_type", nullable(lead.ib_type)},
          {"monthly_leads", nullable(lead.monthly_leads)},
          {"broker_network", nullable(lead.broker_network)},
          {"tags", lead.tags},
          {"converted", lead.converted},
          {"converted_at", nullable(lead.converted_at)},
          {"converted_by", nullable(lead.converted_by)},
          {"open_count", lead.open_count},
          {"last_opened_at", nullable(lead.last_opened_at)},
          {"systeme_contact_id", lead.systeme_contact_id ? json(*lead.systeme_contact_id) : json(nullptr)},
          {"synced_at", nullable(lead.synced_at)},
          {"sync_error", nullable(lead.sync_error)},
          {"created_at", lead.created_at},
          {"systeme_registered_at", nullable(lead.systeme_registered_at)}};
}

json to_json(const LeadEvent& event) {
  json out{{"kind", event.kind},
           {"tag", nullable(event.tag)},
           {"occurred_at", event.occurred_at},
           {"received_at", event.received_at}};
  if (event.reason) out["reason"] = *event.reason;
  return out;
}

Lead LeadStore::recapture(pqxx::work& tx, const Caller& caller, const Lead& lead, const LeadInput& input) {
  const RecapturePlan plan = plan_recapture(lead, input, caller.prefix);
  Lead now = lead;
  if (plan.fields_changed) {
    const Lead& next = plan.lead;
    now = read_lead(exec_statement1(tx, sql::leads_recapture, lead.id, next.name.value_or(""),
                                    next.phone.value_or(""), next.ib_type.value_or(""), next.monthly_leads.value_or(""),
                                    next.broker_network.value_or("")));
  }
  // A failed job runs again (the capture may be what it lacked); a new one only when none waits.
  exec_statement(tx, sql::leads_requeue_failed_sync, lead.id);
  if (plan.sync_needed) exec_statement(tx, sql::leads_queue_sync_unless_waiting, lead.id);
  return now;
}

Capture LeadStore::capture(const Caller& caller, const LeadInput& input, DuplicatePolicy policy) {
  pqxx::work tx(connection_);
  bind_to_tenant(tx, caller.tenant_id);
  // Take turns with webhook ingest and other captures about the same person (same key as ingest),
  // waiting no longer than the tenant's statement timeout.
  lock_people(tx, {input.email}, {});
  lift_erasure_marks(tx, caller.tenant_id, erasure_key_, input.email);
  const auto existing = exec_statement(tx, sql::leads_find_by_email, input.email);
  if (!existing.empty()) {
    Lead lead = recapture(tx, caller, read_lead(existing[0]), input);
    tx.commit();
    return {CaptureOutcome::existing, std::move(lead)};
  }
  if (policy == DuplicatePolicy::reject &&
      tx.exec_params1("SELECT clientflow_lead_exists_elsewhere($1)", input.email)[0].as<bool>()) {
    return {CaptureOutcome::taken_elsewhere, std::nullopt};
  }
  const auto created = exec_statement1(tx, sql::leads_insert, input.email, input.name,
                                       input.phone, input.ib_type, input.monthly_leads, input.broker_network);
  Lead lead = read_lead(created);
  exec_statement(tx, sql::leads_queue_sync, lead.id);
  // The tenant's workflow may have called its rule URL about this person before the capture.
  const auto routed = tx.exec_params1("SELECT clientflow_route_waiting_rule_deliveries($1::uuid, $2::uuid)",
                                      caller.tenant_id, lead.id)[0].as<int>();
  if (routed > 0) lead = read_lead(exec_statement1(tx, sql::leads_find_by_id, lead.id));
  tx.commit();
  return {CaptureOutcome::created, lead};
}

Result<LeadPage> LeadStore::list(const Caller& caller, const LeadQuery& query) {
  long long cursor_micros = 0;
  std::string cursor_id;
  if (!query.cursor.empty()) {
    // Microseconds since 1970 (16 digits reach the year 2286): never more than a bigint holds, nor
    // than the timestamp arithmetic below can take.
    static const std::regex shape("^([0-9]{1,16})_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$");
    std::smatch match;
    if (!std::regex_match(query.cursor, match, shape)) return invalid_input("cursor is not one this API gave");
    cursor_micros = std::stoll(match[1]);
    cursor_id = match[2];
  }
  pqxx::work tx(connection_);
  bind_to_tenant(tx, caller.tenant_id);
  const auto rows = exec_statement(
      tx, sql::leads_page, cursor_id, cursor_micros,
      query.tag_suffix.empty() ? std::string() : caller.prefix + query.tag_suffix,
      query.created_after ? std::to_string(*query.created_after).c_str() : nullptr,
      query.created_before ? std::to_string(*query.created_before).c_str() : nullptr, query.limit + 1);
  tx.commit();
  LeadPage page;
  for (std::size_t i = 0; i < rows.size() && static_cast<int>(i) < query.limit; ++i) page.items.push_back(read_lead(rows[i]));
  if (static_cast<int>(rows.size()) > query.limit) {
    const auto& last = rows[static_cast<std::size_t>(query.limit) - 1];
    page.next_cursor = std::to_string(last[15].as<long long>()) + "_" + last[0].as<std::string>();
  }
  return page;
}

bool is_lead_id(const std::string& text) {
  static const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  return std::regex_match(text, uuid);
}

std::optional<std::pair<Lead, std::vector<LeadEvent>>> LeadStore::get(const Caller& caller, const std::string& lead_id) {
  if (!is_lead_id(lead_id)) return std::nullopt;
  pqxx::work tx(connection_);
  bind_to_tenant(tx, caller.tenant_id);
  const auto row = exec_statement(tx, sql::leads_find_by_id, lead_id);
  if (row.empty()) return std::nullopt;
  std::vector<LeadEvent> events;
  for (const auto& e : exec_statement(tx, sql::leads_events, lead_id)) {
    events.push_back({e[0].as<std::string>(), opt(e[1]), e[2].as<std::string>(), e[3].as<std::string>(), opt(e[4])});
  }
  tx.commit();
  return std::make_pair(read_lead(row[0]), std::move(events));
}

std::optional<TimelinePage> LeadStore::timeline(const Caller& caller, const std::string& lead_id, int limit,
                                                std::optional<long long> after) {
  if (!is_lead_id(lead_id)) return std::nullopt;
  pqxx::work tx(connection_);
  bind_to_tenant(tx, caller.tenant_id);
  if (exec_statement(tx, sql::leads_find_by_id, lead_id).empty()) return std::nullopt;
  TimelinePage page;
  long long last_position = 0;
  for (const auto& e : exec_statement(tx, sql::leads_events_page, lead_id, after, limit + 1)) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_after = last_position;
      break;
    }
    page.items.push_back({e[0].as<std::string>(), opt(e[1]), e[2].as<std::string>(), e[3].as<std::string>(), opt(e[4])});
    last_position = e[5].as<long long>();
  }
  tx.commit();
  return page;
}

bool LeadStore::erase(const Caller& caller, const std::string& lead_id) {
  if (!is_lead_id(lead_id)) return false;
  pqxx::work tx(connection_);
  bind_to_tenant(tx, caller.tenant_id);
  if (!erase_tenant_lead(tx, caller.tenant_id, lead_id, erasure_key_)) return false;
  tx.commit();
  return true;
}

LeadStats LeadStore::stats(const Caller& caller, const std::string& time_zone) {
  pqxx::work tx(connection_);
  bind_to_tenant(tx, caller.tenant_id);
  const auto row = exec_statement1(tx, sql::leads_stats, time_zone);
  tx.commit();
  return LeadStats{row[0].as<long long>(), row[1].as<long long>(), row[2].as<long long>(), row[3].as<long long>(),
                   row[4].as<long long>()};
}

}  // namespace cf::store
