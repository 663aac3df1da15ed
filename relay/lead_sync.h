// LeadSync: puts one captured lead into Systeme.io with its tenant's prefixed tags (and adds or
// removes the relay's own <prefix>converted when a sale or the API converts the lead), as
// shared/systeme-io.md describes the API: custom fields made sure of once, the contact found by
// email (only a result whose email is the lead's once normalised, never a near match) or created,
// each tag found (its exact name, paging through Systeme.io's substring search, however many
// other tags hold the name) or created (ids cached) and assigned. Every step is safe to repeat,
// so a job retried after a crash or run by two daemons has no second effect (one contact per
// email, each tag assigned once; "already used" counts as done). An answer of an unexpected shape
// (a field missing or of another type) is a retryable outcome, counted in RelayMetrics, never an
// exception. The tag cache is shared and safe across threads; a LeadSync belongs to one worker
// thread.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "relay/relay_metrics.h"
#include "relay/systeme_client.h"
#include "store/outbox.h"
#include "store/recapture.h"

namespace cf::relay {

// The tags a capture gives a lead (store/recapture.h, which decides when a re-capture syncs).
using store::capture_tags;

class TagCache {
 public:
  std::optional<long long> find(const std::string& name);
  void put(const std::string& name, long long id);

 private:
  std::mutex mutex_;
  std::map<std::string, long long> ids_;
};

struct SyncOutcome {
  enum class Kind { done, retry, failed } kind = Kind::done;
  long long contact_id = 0;  // the contact the job wrote to, once known (also when it then failed)
  std::vector<std::string> tags;
  int retry_after_seconds = 0;  // from a 429's Retry-After, when it gave one
  std::string error;
};

// Records in `outcome` why the call `step` did not succeed: failed for 400, 401, 403, 404 and 422
// (an error that no retry mends), retry for anything else (429 with its Retry-After, 5xx, no
// answer) and for an answer nested too deeply whatever its status. Returns false, so callers can
// `return sync_failed(...)`.
bool sync_failed(SyncOutcome& outcome, const std::string& step, const ApiResponse& response);

class LeadSync {
 public:
  // Answers of an unexpected shape are counted in the client's metrics.
  LeadSync(SystemeClient& client, TagCache& tags) : client_(client), tags_(tags), metrics_(client.metrics()) {}
  SyncOutcome sync(const store::SyncJob& job);

 private:
  // Records a successful answer of a shape we did not expect (`what`) from `endpoint` as a
  // transient fault of the job (retried), counted; false so callers can `return unexpected(...)`.
  bool unexpected(SyncOutcome& outcome, const std::string& step, const std::string& endpoint, const std::string& what);
  bool ensure_fields(SyncOutcome& outcome);
  // The contact's id, and the tags it already has (so a job run again assigns nothing twice).
  bool find_or_create_contact(const store::SyncJob& job, long long& contact_id, std::set<std::string>& tags,
                              SyncOutcome& outcome);
  // The owner fields of the found `contact`: the first capture's tenant (ib_owner_id empty) takes
  // ib_owner_id and ib_prefix; while `job`'s tenant owns the contact, full_name and phone_number
  // follow its lead (patched only when they differ). Another tenant's contact keeps every field.
  bool settle_owned_fields(const store::SyncJob& job, long long contact_id, const nlohmann::json& contact,
                           SyncOutcome& outcome);
  // The id and tag names of a contact found by email (`contact` from GET /contacts).
  bool read_contact(const nlohmann::json& contact, long long& contact_id, std::set<std::string>& tags,
                    SyncOutcome& outcome);
  // A lead made by webhooks: its contact, found by email, never created (failed when none has it).
  bool find_contact(const store::SyncJob& job, long long& contact_id, std::set<std::string>& tags, SyncOutcome& outcome);
  bool assign_capture_tags(const store::SyncJob& job, long long contact_id, const std::set<std::string>& present,
                           SyncOutcome& outcome);
  // Adds or removes the relay's own <prefix>converted as the job wants (sql/009_conversion.sql).
  bool apply_converted_tag(const store::SyncJob& job, long long contact_id, const std::set<std::string>& present,
                           SyncOutcome& outcome);
  bool tag_id(const std::string& name, long long& id, SyncOutcome& outcome);
  // The id of the tag named exactly `name` in Systeme.io, page after page of its search, in `id`;
  // `id` empty when no tag has that name. False (with `outcome` saying why) when a page fails.
  bool search_tag(const std::string& name, std::optional<long long>& id, SyncOutcome& outcome);

  SystemeClient& client_;
  TagCache& tags_;
  RelayMetrics& metrics_;
  bool fields_ready_ = false;
};

}  // namespace cf::relay
