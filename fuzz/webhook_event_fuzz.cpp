// Fuzzes the webhook body parsers and the routing rules: the first byte picks the event type
// header (one of the known ones, an unknown one, or none), the rest is the body, parsed with the
// nesting limit the daemon applies. Whatever parses
// is routed against two tenants with a lead each, so the routing code sees hostile events too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/text.h"
#include "ingest/event.h"
#include "ingest/routing.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* const kTypes[] = {"CONTACT_CREATED",     "CONTACT_OPT_IN", "CONTACT_TAG_ADDED",
                                       "CONTACT_TAG_REMOVED", "SALE_NEW",       "SALE_CANCELED",
                                       "SOMETHING_ELSE",      ""};
  const std::string type = kTypes[data[0] % 8];
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  // With the nesting limit the daemon uses by default (http.max_json_depth).
  const cf::ingest::ParseOptions options{64};
  for (const auto& parsed : {cf::ingest::parse_account_event(type, body, options),
                             cf::ingest::parse_rule_event("email-opened", body, options)}) {
    if (parsed.status != cf::ingest::ParseStatus::ok) continue;
    // What parses must be storable: PostgreSQL text and jsonb cannot hold U+0000.
    const auto& contact = parsed.event.contact;
    bool storable = !cf::holds_nul(contact.email) && !cf::holds_nul(parsed.event.tag.value_or(""));
    for (const auto& tag : contact.tags.value_or(std::vector<std::string>{})) storable = storable && !cf::holds_nul(tag);
    for (const auto& [slug, value] : contact.fields) storable = storable && !cf::holds_nul(slug) && !cf::holds_nul(value);
    if (!storable) __builtin_trap();
    cf::ingest::RoutingView view;
    view.add_tenant({"00000000-0000-4000-8000-00000000000a", "ib-aaa111-"});
    view.add_tenant({"00000000-0000-4000-8000-00000000000b", "ib-bbb222-"});
    cf::ingest::LeadRecord lead;
    lead.tenant_id = "00000000-0000-4000-8000-00000000000b";
    lead.id = "lead-b";
    lead.email = "a@example.com";
    lead.contact_id = 7;
    view.add_lead(lead);
    const auto rule_tenant = parsed.event.kind == cf::ingest::EventKind::rule ? "00000000-0000-4000-8000-00000000000a" : "";
    cf::ingest::route(parsed.event, rule_tenant, 1'700'000'000'000, view);
    cf::ingest::mirror_event(parsed.event, 1'700'000'000'000, view);
  }
  return 0;
}
