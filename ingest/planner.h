// The ingest planner: everything a batch of webhook deliveries decides, without a database. The
// store reads what the database holds for the batch (a BatchSnapshot, as a SnapshotRequest asks),
// and the planner decides in pure steps:
//   1. admit(): which rule tokens a tenant holds (others are `unauthorized`), each delivery's
//      dedup key (account: its X-Webhook message key; rule: "rule:" + the SHA-256 fingerprint of
//      tenant, type and body), and the fresh fingerprints the store must claim in
//      rule_deliveries_seen;
//   2. plan_batch(): given the fingerprints claimed, which deliveries are duplicates (stored key,
//      twice in the batch, fingerprint not claimed), how the others route, and the rows to write.
// plan_replay() routes stored deliveries again (`events replay`, an admin's assignment) the same
// way. Plain values; the functions are pure apart from random lead ids (RoutingView::create_lead).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "ingest/delivery.h"
#include "ingest/routing.h"

namespace cf::ingest {

using Batch = std::vector<const Delivery*>;

// What the store must read for a batch (store/queries/ingest_read.sql names each part).
struct SnapshotRequest {
  std::vector<std::string> account_keys;          // dedup keys of the account deliveries
  std::map<std::string, std::string> rule_tokens;  // hex SHA-256 of each rule token -> the token
  std::vector<std::string> emails;                 // the people the parsed deliveries are about
  std::vector<long long> contact_ids;
  std::set<std::string> prefixes;                  // tenant prefixes on the deliveries' tags
  std::vector<std::string> tenant_ids;             // ib_owner_id values as sent, stored rule tenants
  bool assignments = false;                        // contact or sale events: read admins' assignments
  std::vector<long long> mirror_tag_contacts;      // contact and sale events without tags: mirrored tags
};

// `rule_tenants`: the tenants stored rule deliveries named (replay).
SnapshotRequest snapshot_request(const Batch& batch, const std::set<std::string>& rule_tenants = {});

// What the database holds for a batch.
struct BatchSnapshot {
  std::set<std::string> stored_keys;                   // account dedup keys already stored
  std::map<std::string, std::string> tenant_of_token;  // rule token -> the tenant holding it
  RoutingView view;                                    // tenants, leads, mirror rows, assignments
};

// Step 1: authorisation and dedup keys.
struct Admission {
  std::vector<DeliveryResult> results;            // per delivery: unauthorized, or the rule tenant
  std::vector<std::string> dedup_keys;            // per delivery; empty when unauthorized
  std::vector<std::string> fingerprints;          // per rule delivery: hex SHA-256 of tenant, type, body
  std::vector<std::string> fingerprints_to_claim;  // distinct, in batch order
};

Admission admit(const Batch& batch, const std::map<std::string, std::string>& tenant_of_token);

// One new row of webhook_events.
struct DeliveryRow {
  std::string dedup_key;
  Source source = Source::account;
  std::string event_type;
  RouteStatus status = RouteStatus::malformed;
  std::string routed_tenant_id;  // routed: the owner
  std::string lead_id;
  std::string rule_tenant_id;    // rule webhooks: the token's tenant
  std::optional<long long> contact_id;
  std::string email;
  std::optional<EpochMs> event_at;
  EpochMs received_at = 0;
  std::string body;              // raw bytes as received
  std::string detail;
};

// One new entry of a lead's timeline (lead_events), linked to its delivery by the delivery's
// dedup key when the row is written in the same statement, else by the row's id (replay).
struct TimelineRow {
  std::string tenant_id;
  std::string lead_id;
  std::string kind;
  std::optional<std::string> tag;
  EpochMs occurred_at = 0;
  EpochMs received_at = 0;
  std::string delivery_key;
  std::optional<long long> delivery_id;
};

// A lead new in this batch: rule webhooks its tenant kept as no_lead for the person route now.
struct CreatedLead {
  std::string tenant_id;
  std::string lead_id;
};

// What routing changed, to write after the delivery rows.
struct Effects {
  std::vector<LeadRecord> lead_upserts;      // leads created or changed
  std::vector<TimelineRow> timeline_rows;
  std::vector<MirrorRecord> mirror_upserts;  // mirror rows changed (on receipt only)
  std::vector<CreatedLead> created_leads;
};

struct IngestPlan {
  std::vector<DeliveryResult> results;  // per delivery, what its sender is told
  std::vector<DeliveryRow> delivery_rows;
  Effects effects;
};

// Step 2. `claimed`: those of admission.fingerprints_to_claim the database let this batch claim
// (not seen in the last 10 minutes). Routes the new deliveries in order against the snapshot.
IngestPlan plan_batch(const Batch& batch, const Admission& admission, const std::set<std::string>& claimed,
                      BatchSnapshot snapshot, EpochMs max_clock_skew_ms);

// A stored delivery routed again: its row id, status and rule tenant, and the delivery re-parsed.
struct StoredDelivery {
  long long id = 0;
  std::string status;
  std::string rule_tenant_id;
  Delivery delivery;
};

// A stored body parsed again as on receipt; `event_at`: the stored event time (account webhooks).
Delivery reparse(Source source, std::string event_type, std::string body, std::optional<EpochMs> event_at,
                 EpochMs received_at, const ParseOptions& options);

// The new routing of one stored delivery.
struct DeliveryUpdate {
  long long id = 0;
  RouteStatus status = RouteStatus::malformed;
  std::string routed_tenant_id;
  std::string lead_id;
  std::string detail;
};

// One stored delivery that routed differently than before.
struct ReplayChange {
  long long id = 0;
  std::string event_type;
  std::string from;       // status before
  std::string to;         // status now
  std::string tenant_id;  // when it routed now
};

struct ReplayPlan {
  std::vector<DeliveryUpdate> updates;  // every delivery, in order
  std::vector<ReplayChange> changes;
  Effects effects;                      // the mirror is left as it is
};

ReplayPlan plan_replay(const std::vector<StoredDelivery>& stored, RoutingView view, EpochMs max_clock_skew_ms);

}  // namespace cf::ingest
