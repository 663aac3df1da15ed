// MirrorSync: refreshes the admin-only mirror of Systeme.io contacts from the public API (every
// contact, 100 per page, by cursor), for `reconcile --sync`. Each page is written in its own
// transaction together with the cursor (reconcile_state.sync_cursor), so a sync that stops (an
// error, a kill) resumes after the last page written. Calls are paced by the client's rate
// limiter; 429 and 5xx answers are retried after Retry-After or a growing pause. A session
// advisory lock keeps to one sync at a time. The API is Systeme.io's own data: its tags and
// fields replace the mirrored ones whatever their snapshot time (the way to repair a mirror), and
// a complete sync removes the rows of contacts Systeme.io no longer has (those neither it nor a
// webhook wrote since it started). Uses the connection it is given, from one thread.
#pragma once

#include <functional>
#include <optional>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "common/clock.h"
#include "common/result.h"
#include "relay/systeme_client.h"

namespace cf::reconcile {

struct SyncProgress {
  bool resumed = false;     // started from a cursor a stopped sync left
  int pages = 0;            // pages written by this sync (resumed ones included)
  long long contacts = 0;   // contacts written by this call
  int retries = 0;          // answers retried (429, 5xx, no answer)
  std::optional<long long> removed;  // mirror rows removed at the end of a complete sync
};

// `on_page` is called after each page is committed (for a progress line). unavailable when the
// API keeps failing (the cursor stays for the next try), conflict when another sync runs,
// invalid_input when the API refuses the key. Each page's rows are stamped with `clock`'s time.
// Contacts of people erased everywhere (marks under `erasure_key`, store/erasure.h) are not
// mirrored.
Result<SyncProgress> sync_mirror(pqxx::connection& connection, relay::SystemeClient& client,
                                 const std::function<void(const SyncProgress&)>& on_page = {},
                                 const Clock& clock = SystemClock::instance(), const Secret& erasure_key = Secret());

// The mirror rows of one page of contacts (the API's "items"), as reconcile/queries/
// sync_upsert_contacts.sql takes them: [{"contact_id", "email" (normalized; null when none),
// "tags" (names), "fields" ({slug: value}, string values only), "snapshot_at": `now`}]. Items
// without an integer id are left out.
nlohmann::json mirror_rows(const nlohmann::json& items, EpochMs now);

// "synced 250 contacts in 3 pages (2 retried answers), removed 1 no longer in Systeme.io".
std::string describe(const SyncProgress& progress);

}  // namespace cf::reconcile
