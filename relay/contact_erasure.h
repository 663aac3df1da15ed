// ContactErasure: the outbox's side of an erasure (store/erasure.h) at Systeme.io, by contact id
// only (a job never carries the email). erase_contact: the contact loses every tag with the
// tenant's prefix, and, when its ib_owner_id names the tenant, its owner fields (ib_owner_id,
// ib_prefix) and the form fields a capture wrote (full_name, phone_number) are emptied.
// delete_contact: the contact is deleted. A contact (or tag) Systeme.io no longer has counts as
// done; every step is safe to repeat. One per worker thread.
#pragma once

#include "relay/lead_sync.h"
#include "relay/systeme_client.h"
#include "store/outbox.h"

namespace cf::relay {

class ContactErasure {
 public:
  explicit ContactErasure(SystemeClient& client) : client_(client) {}
  // done, retry or failed as LeadSync's outcomes (sync_failed decides which).
  SyncOutcome run(const store::SyncJob& job);

 private:
  SyncOutcome erase_tenant(const store::SyncJob& job, long long contact_id);
  SystemeClient& client_;
};

}  // namespace cf::relay
