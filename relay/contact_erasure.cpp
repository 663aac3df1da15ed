#include "relay/contact_erasure.h"

#include "common/tag_prefix.h"

namespace cf::relay {

using nlohmann::json;

namespace {

SyncOutcome done() {
  SyncOutcome outcome;
  outcome.kind = SyncOutcome::Kind::done;
  return outcome;
}

SyncOutcome failure(const std::string& step, const ApiResponse& response) {
  SyncOutcome outcome;
  sync_failed(outcome, step, response);
  return outcome;
}

bool is_not_found(const ApiResponse& response) { return response.status == 404; }

// The fields a capture by the tenant wrote, emptied.
json cleared_fields() {
  json fields = json::array();
  for (const char* slug : {"ib_owner_id", "ib_prefix", "full_name", "phone_number"}) {
    fields.push_back({{"slug", slug}, {"value", ""}});
  }
  return fields;
}

}  // namespace

SyncOutcome ContactErasure::run(const store::SyncJob& job) {
  if (!job.contact_id) return done();  // nothing at Systeme.io was known about the person
  if (job.kind == store::JobKind::delete_contact) {
    const auto deleted = client_.delete_contact(*job.contact_id);
    if (succeeded(deleted) || is_not_found(deleted)) return done();
    return failure("delete contact", deleted);
  }
  return erase_tenant(job, *job.contact_id);
}

SyncOutcome ContactErasure::erase_tenant(const store::SyncJob& job, long long contact_id) {
  const auto found = client_.get_contact(contact_id);
  if (is_not_found(found)) return done();
  if (!succeeded(found)) return failure("get contact", found);
  const json contact = found.json();
  if (contact.contains("tags") && contact["tags"].is_array()) {
    for (const auto& tag : contact["tags"]) {
      const auto name = string_field(tag, "name");
      const auto id = integer_field(tag, "id");
      const auto prefix = name ? TagPrefix::of_tag(*name) : std::nullopt;
      if (!id || !prefix || prefix->str() != job.prefix) continue;
      const auto removed = client_.remove_tag(contact_id, *id);
      if (!succeeded(removed) && !is_not_found(removed)) return failure("remove tag " + *name, removed);
    }
  }
  bool owned = false;
  if (contact.contains("fields") && contact["fields"].is_array()) {
    for (const auto& field : contact["fields"]) {
      if (string_field(field, "slug") == "ib_owner_id" && string_field(field, "value") == job.tenant_id) owned = true;
    }
  }
  if (owned) {
    const auto cleared = client_.update_contact_fields(contact_id, cleared_fields());
    if (!succeeded(cleared) && !is_not_found(cleared)) return failure("clear owner fields", cleared);
  }
  return done();
}

}  // namespace cf::relay
