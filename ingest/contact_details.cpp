#include "ingest/contact_details.h"

#include "common/text.h"

namespace cf::ingest {

void take_contact_details(LeadRecord& lead, const Contact& contact) {
  const auto field = [&contact](const char* slug) {
    const auto found = contact.fields.find(slug);
    return found == contact.fields.end() ? std::string() : std::string(trim(found->second));
  };
  if (!lead.registered_at) lead.registered_at = contact.registered_at;  // Systeme.io's own, no IB's
  const std::string owner = field("ib_owner_id");
  if (!owner.empty() && owner != lead.tenant_id) return;
  std::string name = std::string(trim(field("first_name") + " " + field("surname")));
  if (name.empty()) name = field("full_name");
  if (!lead.name && !name.empty() && name.size() <= 200 && is_printable_utf8(name)) lead.name = name;
  const std::string phone = field("phone_number");
  if (!lead.phone && is_phone_number(phone)) lead.phone = phone;
}

}  // namespace cf::ingest
