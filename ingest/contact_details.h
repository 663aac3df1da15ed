// What a signed Systeme.io event tells a lead about its person beyond tags: name, phone and when
// Systeme.io registered the contact. Pure; used by routing (ingest/routing.h) when a webhook
// creates or changes a lead.
#pragma once

#include "ingest/event.h"
#include "ingest/routing.h"

namespace cf::ingest {

// What a signed event says of the person, for `lead`: its name (first_name + surname, else
// full_name), its phone (phone_number) and when Systeme.io registered it (registeredAt), each only
// where `lead` has none yet. Name and phone are taken only when the contact's ib_owner_id field is
// empty or names the lead's tenant: never another IB's form data; a name or phone that is not
// plain text of the sizes a capture allows is left out.
void take_contact_details(LeadRecord& lead, const Contact& contact);

}  // namespace cf::ingest
