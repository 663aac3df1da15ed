#include "relay/lead_sync.h"

namespace cf::relay {

using nlohmann::json;

namespace {

const std::vector<std::pair<std::string, std::string>>& owned_fields() {
  static const std::vector<std::pair<std::string, std::string>> fields{
      {"full_name", "Full name"}, {"phone_number", "Phone number"}, {"ib_owner_id", "IB owner id"}, {"ib_prefix", "IB prefix"}};
  return fields;
}

// The most pages of one tag search read before giving up (for now: the job is retried).
constexpr int kMaxTagPages = 50;

}  // namespace

bool sync_failed(SyncOutcome& outcome, const std::string& step, const ApiResponse& response) {
  const bool permanent = response.status == 400 || response.status == 401 || response.status == 403 ||
                         response.status == 404 || response.status == 422;
  outcome.kind = permanent ? SyncOutcome::Kind::failed : SyncOutcome::Kind::retry;
  outcome.retry_after_seconds = response.retry_after_seconds.value_or(0);
  if (response.too_deep) {  // whatever its status: a transient fault of the answer, never parsed
    outcome.kind = SyncOutcome::Kind::retry;
    outcome.error = step + ": HTTP " + std::to_string(response.status) + " with an answer nested too deeply";
    return false;
  }
  outcome.error = step + ": " +
                  (response.status == 0 ? "no answer (" + response.error + ")"
                                        : "HTTP " + std::to_string(response.status) + " " + response.body.substr(0, 200));
  return false;
}

std::optional<long long> TagCache::find(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = ids_.find(name);
  return found == ids_.end() ? std::nullopt : std::optional<long long>(found->second);
}

void TagCache::put(const std::string& name, long long id) {
  std::lock_guard<std::mutex> lock(mutex_);
  ids_[name] = id;
}

bool LeadSync::unexpected(SyncOutcome& outcome, const std::string& step, const std::string& endpoint,
                          const std::string& what) {
  metrics_.answer_unexpected(endpoint);
  outcome.kind = SyncOutcome::Kind::retry;
  outcome.retry_after_seconds = 0;
  outcome.error = step + ": unexpected answer: " + what;
  return false;
}

bool LeadSync::ensure_fields(SyncOutcome& outcome) {
  if (fields_ready_) return true;
  const auto listed = client_.list_contact_fields();
  if (!succeeded(listed)) return sync_failed(outcome, "list contact fields", listed);
  std::set<std::string> present;
  const auto body = listed.json();
  const json& items = body.is_object() && body.contains("items") ? body["items"] : body;
  if (items.is_array()) {
    for (const auto& field : items) {
      if (field.is_object() && field.contains("slug") && field["slug"].is_string()) present.insert(field["slug"].get<std::string>());
    }
  }
  for (const auto& [slug, name] : owned_fields()) {
    if (present.count(slug)) continue;
    const auto created = client_.create_contact_field(slug, name);
    if (!succeeded(created) && !is_already_used(created)) return sync_failed(outcome, "create contact field " + slug, created);
  }
  fields_ready_ = true;
  return true;
}

bool LeadSync::find_or_create_contact(const store::SyncJob& job, long long& contact_id, std::set<std::string>& tags,
                                      SyncOutcome& outcome) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto found = client_.find_contact(job.email);
    if (!succeeded(found)) return sync_failed(outcome, "find contact", found);
    const auto body = found.json();
    if (const json* match = contact_with_email(body, job.email)) {
      const json& contact = *match;
      if (!read_contact(contact, contact_id, tags, outcome)) return false;
      return settle_owned_fields(job, contact_id, contact, outcome);
    }
    json fields = json::array({{{"slug", "full_name"}, {"value", job.name}},
                               {{"slug", "ib_owner_id"}, {"value", job.tenant_id}},
                               {{"slug", "ib_prefix"}, {"value", job.prefix}}});
    if (!job.phone.empty()) fields.push_back({{"slug", "phone_number"}, {"value", job.phone}});
    const auto created = client_.create_contact({{"email", job.email}, {"locale", "en"}, {"fields", fields}});
    if (succeeded(created)) {
      const auto id = integer_field(created.json(), "id");
      if (!id || *id <= 0) {
        return unexpected(outcome, "create contact", "POST /contacts", "the created contact's id is not an integer");
      }
      contact_id = *id;
      return true;
    }
    if (!is_already_used(created)) return sync_failed(outcome, "create contact", created);
    // Created meanwhile by another worker or daemon: look it up again.
  }
  outcome.kind = SyncOutcome::Kind::retry;
  outcome.error = "create contact: said already used, yet not found by email";
  return false;
}

bool LeadSync::settle_owned_fields(const store::SyncJob& job, long long contact_id, const json& contact,
                                   SyncOutcome& outcome) {
  std::map<std::string, std::string> current;  // slug -> value
  if (contact.contains("fields") && contact["fields"].is_array()) {
    for (const auto& field : contact["fields"]) {
      const auto slug = string_field(field, "slug");
      const auto value = string_field(field, "value");
      if (slug && value) current[*slug] = *value;
    }
  }
  const std::string& owner = current["ib_owner_id"];
  if (!owner.empty() && owner != job.tenant_id) return true;  // another tenant's: none of its fields change
  json patch = json::array();
  if (owner.empty()) {  // the first capture owns the owner fields
    patch.push_back({{"slug", "ib_owner_id"}, {"value", job.tenant_id}});
    patch.push_back({{"slug", "ib_prefix"}, {"value", job.prefix}});
  }
  if (!job.name.empty() && current["full_name"] != job.name) patch.push_back({{"slug", "full_name"}, {"value", job.name}});
  if (!job.phone.empty() && current["phone_number"] != job.phone) {
    patch.push_back({{"slug", "phone_number"}, {"value", job.phone}});
  }
  if (patch.empty()) return true;
  const auto patched = client_.update_contact_fields(contact_id, patch);
  if (!succeeded(patched)) return sync_failed(outcome, owner.empty() ? "set owner fields" : "update owner fields", patched);
  return true;
}

bool LeadSync::read_contact(const json& contact, long long& contact_id, std::set<std::string>& tags,
                            SyncOutcome& outcome) {
  const auto id = integer_field(contact, "id");
  if (!id || *id <= 0) return unexpected(outcome, "find contact", "GET /contacts", "the contact's id is not an integer");
  contact_id = *id;
  if (contact.contains("tags") && contact["tags"].is_array()) {
    for (const auto& tag : contact["tags"]) {
      if (tag.is_object() && tag.contains("name") && tag["name"].is_string()) tags.insert(tag["name"].get<std::string>());
    }
  }
  return true;
}

bool LeadSync::find_contact(const store::SyncJob& job, long long& contact_id, std::set<std::string>& tags,
                            SyncOutcome& outcome) {
  const auto found = client_.find_contact(job.email);
  if (!succeeded(found)) return sync_failed(outcome, "find contact", found);
  const auto body = found.json();
  const json* match = contact_with_email(body, job.email);
  if (match == nullptr) {
    outcome.kind = SyncOutcome::Kind::failed;
    outcome.error = "find contact: no Systeme.io contact has this lead's email";
    return false;
  }
  return read_contact(*match, contact_id, tags, outcome);
}

bool LeadSync::search_tag(const std::string& name, std::optional<long long>& id, SyncOutcome& outcome) {
  id.reset();
  long long after = 0;
  for (int page = 0; page < kMaxTagPages; ++page) {
    const auto found = client_.find_tags(name, after);
    if (!succeeded(found)) return sync_failed(outcome, "find tag", found);
    const json body = found.json();
    const auto tags = search_page(body);
    if (!tags) return unexpected(outcome, "find tag", "GET /tags", "not {\"items\": [...], \"hasMore\": bool}");
    long long last = after;
    for (const json& tag : *tags->items) {
      const auto tag_name = string_field(tag, "name");
      const auto tag_id = integer_field(tag, "id");
      if (!tag_name || !tag_id) return unexpected(outcome, "find tag", "GET /tags", "a tag without a string name and an integer id");
      if (*tag_name == name) {
        id = *tag_id;
        return true;
      }
      last = *tag_id;
    }
    if (!tags->more) return true;
    if (last == after) return unexpected(outcome, "find tag", "GET /tags", "more tags said to follow an empty page");
    after = last;
  }
  outcome.kind = SyncOutcome::Kind::retry;
  outcome.error = "find tag: more than " + std::to_string(kMaxTagPages) + " pages of tags hold " + name;
  return false;
}

bool LeadSync::tag_id(const std::string& name, long long& id, SyncOutcome& outcome) {
  if (auto cached = tags_.find(name)) {
    id = *cached;
    return true;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::optional<long long> found;
    if (!search_tag(name, found, outcome)) return false;
    if (found) {
      id = *found;
      tags_.put(name, id);
      return true;
    }
    const auto created = client_.create_tag(name);
    if (succeeded(created)) {
      const auto created_id = integer_field(created.json(), "id");
      if (!created_id) return unexpected(outcome, "create tag", "POST /tags", "the created tag's id is not an integer");
      id = *created_id;
      tags_.put(name, id);
      return true;
    }
    if (!is_already_used(created)) return sync_failed(outcome, "create tag", created);
  }
  outcome.kind = SyncOutcome::Kind::retry;
  outcome.error = "create tag: said already used, yet not found";
  return false;
}

bool LeadSync::assign_capture_tags(const store::SyncJob& job, long long contact_id, const std::set<std::string>& present,
                                   SyncOutcome& outcome) {
  for (const auto& name : capture_tags(job.prefix, job.ib_type, job.monthly_leads)) {
    if (present.count(name)) {  // assigned by an earlier run of this job, or by a workflow
      outcome.tags.push_back(name);
      continue;
    }
    long long id = 0;
    if (!tag_id(name, id, outcome)) return false;
    const auto assigned = client_.assign_tag(contact_id, id);
    if (!succeeded(assigned) && !is_already_used(assigned)) return sync_failed(outcome, "assign tag " + name, assigned);
    outcome.tags.push_back(name);
  }
  return true;
}

bool LeadSync::apply_converted_tag(const store::SyncJob& job, long long contact_id, const std::set<std::string>& present,
                                   SyncOutcome& outcome) {
  if (job.converted_tag.empty()) return true;
  const std::string name = job.prefix + "converted";
  const bool wanted = job.converted_tag == "wanted";
  if (wanted == (present.count(name) > 0)) return true;  // already as wanted (an earlier run, or a workflow)
  long long id = 0;
  if (!tag_id(name, id, outcome)) return false;
  const auto answer = wanted ? client_.assign_tag(contact_id, id) : client_.remove_tag(contact_id, id);
  if (succeeded(answer) || (wanted && is_already_used(answer)) || (!wanted && answer.status == 404)) return true;
  return sync_failed(outcome, (wanted ? "assign tag " : "remove tag ") + name, answer);
}

SyncOutcome LeadSync::sync(const store::SyncJob& job) {
  SyncOutcome outcome;
  if (!ensure_fields(outcome)) return outcome;
  long long contact_id = 0;
  std::set<std::string> present;
  if (job.captured) {
    if (!find_or_create_contact(job, contact_id, present, outcome)) return outcome;
    outcome.contact_id = contact_id;  // kept even when a later step fails: erasure must find it
    if (!assign_capture_tags(job, contact_id, present, outcome)) return outcome;
  } else if (!find_contact(job, contact_id, present, outcome)) {
    return outcome;
  }
  outcome.contact_id = contact_id;
  if (!apply_converted_tag(job, contact_id, present, outcome)) return outcome;
  outcome.kind = SyncOutcome::Kind::done;
  outcome.contact_id = contact_id;
  return outcome;
}

}  // namespace cf::relay
