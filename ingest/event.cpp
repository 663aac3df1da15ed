#include "ingest/event.h"

#include <algorithm>
#include <variant>

#include <nlohmann/json.hpp>

#include "common/email.h"
#include "common/json_depth.h"

namespace cf::ingest {

namespace {

using nlohmann::json;

const std::map<std::string, EventKind, std::less<>>& account_kinds() {
  static const std::map<std::string, EventKind, std::less<>> kinds{
      {"CONTACT_CREATED", EventKind::contact_created},   {"CONTACT_OPT_IN", EventKind::contact_opt_in},
      {"CONTACT_TAG_ADDED", EventKind::tag_added},       {"CONTACT_TAG_REMOVED", EventKind::tag_removed},
      {"SALE_NEW", EventKind::sale_new},                 {"SALE_CANCELED", EventKind::sale_canceled},
  };
  return kinds;
}

ParseOutcome refuse(ParseStatus status, std::string reason) {
  ParseOutcome out;
  out.status = status;
  out.reason = std::move(reason);
  return out;
}

std::optional<long long> as_id(const json& value) {
  if (value.is_number_integer()) return value.get<long long>();
  if (value.is_number_unsigned()) return static_cast<long long>(value.get<unsigned long long>());
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.empty() || text.size() > 18) return std::nullopt;
    for (char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    return std::stoll(text);
  }
  return std::nullopt;
}

std::optional<std::string> as_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null() || value.is_discarded()) return std::nullopt;
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump();
}

// fields as a list of {slug, value} (contact events) or an object keyed by slug (sales, rules).
// Values may span lines; none may hold U+0000 (reason set, false): a delivery carrying one is
// malformed, never a database error.
bool read_fields(const json& fields, std::map<std::string, std::string>& out, std::string& reason) {
  if (fields.is_array()) {
    for (const auto& field : fields) {
      if (!field.is_object() || !field.contains("slug") || !field["slug"].is_string()) continue;
      if (auto value = as_text(field.value("value", json()))) out[field["slug"].get<std::string>()] = *value;
    }
  } else if (fields.is_object()) {
    for (const auto& [slug, value] : fields.items()) {
      if (auto text = as_text(value)) out[slug] = *text;
    }
  }
  for (const auto& [slug, value] : out) {
    if (holds_nul(slug) || holds_nul(value)) {
      reason = "a contact field holds U+0000";
      return false;
    }
  }
  return true;
}

std::optional<std::vector<std::string>> read_tags(const json& contact) {
  if (!contact.contains("tags") || !contact["tags"].is_array()) return std::nullopt;
  std::vector<std::string> tags;
  for (const auto& tag : contact["tags"]) {
    if (tag.is_object() && tag.contains("name") && tag["name"].is_string()) {
      tags.push_back(tag["name"].get<std::string>());
    } else if (tag.is_string()) {
      tags.push_back(tag.get<std::string>());
    }
  }
  return tags;
}

// Reads a contact object; false (with reason) when it names no one.
bool read_contact(const json& object, const char* id_key, Contact& out, std::string& reason) {
  if (!object.is_object()) {
    reason = "contact is not an object";
    return false;
  }
  if (object.contains(id_key)) out.id = as_id(object[id_key]);
  if (object.contains("email") && object["email"].is_string()) {
    const auto& email = object["email"].get_ref<const std::string&>();
    if (!is_printable_utf8(email)) {
      reason = "contact email holds control characters";
      return false;
    }
    out.email = Email::normalize(email);
    // No address is longer (RFC 5321); a longer one would not fit the indexes on emails, and
    // would fail the whole batch it came in.
    if (out.email.size() > 254) {
      reason = "contact email longer than 254 bytes";
      return false;
    }
  }
  out.tags = read_tags(object);
  if (out.tags && !std::all_of(out.tags->begin(), out.tags->end(), [](const std::string& tag) { return is_printable_utf8(tag); })) {
    reason = "a contact tag name holds control characters";
    return false;
  }
  if (object.contains("fields") && !read_fields(object["fields"], out.fields, reason)) return false;
  if (object.contains("registeredAt") && object["registeredAt"].is_string()) {
    out.registered_at = parse_iso8601(object["registeredAt"].get_ref<const std::string&>());
  }
  if (!out.id && out.email.empty()) {
    reason = "contact has neither an id nor an email";
    return false;
  }
  return true;
}

// The body as JSON, or the refusal: too deep (checked first, without recursion), not JSON, not
// an object.
std::variant<json, ParseOutcome> read_object(std::string_view body, const ParseOptions& options) {
  if (!json_depth_within(body, options.max_json_depth)) {
    return refuse(ParseStatus::malformed, too_deep_message(options.max_json_depth));
  }
  json root = json::parse(body.begin(), body.end(), nullptr, false);
  if (root.is_discarded()) return refuse(ParseStatus::malformed, "body is not valid JSON");
  if (!root.is_object()) return refuse(ParseStatus::malformed, "body is not a JSON object");
  return root;
}

// Systeme's documentation nests {"contact": {"contact": {...}}}; live deliveries do not.
const json& unwrap_contact(const json& contact) {
  if (contact.is_object() && contact.contains("contact") && contact["contact"].is_object() &&
      !contact.contains("email") && !contact.contains("id")) {
    return contact["contact"];
  }
  return contact;
}

}  // namespace

std::string event_type_name(EventKind kind, std::string_view rule_kind) {
  if (kind == EventKind::rule) return "rule:" + std::string(rule_kind);
  for (const auto& [name, k] : account_kinds()) {
    if (k == kind) return name;
  }
  return "UNKNOWN";
}

std::string timeline_kind(EventKind kind, std::string_view rule_kind) {
  switch (kind) {
    case EventKind::contact_created: return "contact_created";
    case EventKind::contact_opt_in: return "opt_in";
    case EventKind::tag_added: return "tag_added";
    case EventKind::tag_removed: return "tag_removed";
    case EventKind::sale_new: return "sale_new";
    case EventKind::sale_canceled: return "sale_canceled";
    case EventKind::rule: return std::string(rule_kind);
  }
  return "unknown";
}

bool is_rule_kind(std::string_view text) {
  if (text.empty() || text.size() > 40) return false;
  // Timeline kinds only the relay writes (sql/009_conversion.sql): a workflow may not forge them.
  if (text == "converted" || text == "unconverted") return false;
  for (char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

ParseOutcome parse_account_event(std::string_view event_header, std::string_view body, const ParseOptions& options) {
  if (event_header.empty()) return refuse(ParseStatus::unsupported, "no X-Webhook-Event header");
  const auto kind = account_kinds().find(event_header);
  if (kind == account_kinds().end()) {
    return refuse(ParseStatus::unsupported, "event type not handled by this version");
  }
  auto read = read_object(body, options);
  if (auto* refused = std::get_if<ParseOutcome>(&read)) return std::move(*refused);
  const json& root = std::get<json>(read);

  ParseOutcome out;
  out.status = ParseStatus::ok;
  out.event.kind = kind->second;
  std::string reason;
  switch (kind->second) {
    case EventKind::sale_new:
    case EventKind::sale_canceled:
      if (!root.contains("customer")) return refuse(ParseStatus::malformed, "sale has no customer");
      if (!read_contact(root["customer"], "contactId", out.event.contact, reason)) {
        return refuse(ParseStatus::malformed, "customer: " + reason);
      }
      out.event.contact.tags.reset();  // a sale carries no tag list
      break;
    case EventKind::tag_added:
    case EventKind::tag_removed: {
      if (!root.contains("tag") || !root["tag"].is_object() || !root["tag"].contains("name") ||
          !root["tag"]["name"].is_string() || root["tag"]["name"].get_ref<const std::string&>().empty()) {
        return refuse(ParseStatus::malformed, "tag event without tag.name");
      }
      if (!is_printable_utf8(root["tag"]["name"].get_ref<const std::string&>())) {
        return refuse(ParseStatus::malformed, "tag.name holds control characters");
      }
      out.event.tag = root["tag"]["name"].get<std::string>();
      [[fallthrough]];
    }
    default:
      if (!root.contains("contact")) return refuse(ParseStatus::malformed, "body has no contact");
      if (!read_contact(unwrap_contact(root["contact"]), "id", out.event.contact, reason)) {
        return refuse(ParseStatus::malformed, reason);
      }
  }
  return out;
}

ParseOutcome parse_rule_event(std::string_view rule_kind, std::string_view body, const ParseOptions& options) {
  auto read = read_object(body, options);
  if (auto* refused = std::get_if<ParseOutcome>(&read)) return std::move(*refused);
  const json& root = std::get<json>(read);
  const json* contact = nullptr;
  if (root.contains("data") && root["data"].is_object() && root["data"].contains("contact")) {
    contact = &root["data"]["contact"];
  } else if (root.contains("contact")) {
    contact = &unwrap_contact(root["contact"]);
  }
  if (contact == nullptr) return refuse(ParseStatus::malformed, "body has no data.contact");

  ParseOutcome out;
  out.status = ParseStatus::ok;
  out.event.kind = EventKind::rule;
  out.event.rule_kind = std::string(rule_kind);
  std::string reason;
  if (!read_contact(*contact, "id", out.event.contact, reason)) return refuse(ParseStatus::malformed, reason);
  if (root.contains("created_at") && root["created_at"].is_string()) {
    out.event.occurred_at = parse_iso8601(root["created_at"].get<std::string>());
  }
  return out;
}

}  // namespace cf::ingest
