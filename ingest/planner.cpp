#include "ingest/planner.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/tag_prefix.h"
#include "ingest/erasure_routing.h"

namespace cf::ingest {

namespace {

// Whether an event names no tenant itself (contact and sale events): admins' assignments and the
// mirror's tags matter only to those.
bool names_no_tenant(const SystemeEvent& event) {
  return event.kind != EventKind::tag_added && event.kind != EventKind::tag_removed && event.kind != EventKind::rule;
}

void note_event(const SystemeEvent& event, SnapshotRequest& request) {
  const auto note_prefix = [&](const std::string& tag) {
    if (auto prefix = TagPrefix::of_tag(tag)) request.prefixes.insert(prefix->str());
  };
  const Contact& contact = event.contact;
  if (!contact.email.empty()) request.emails.push_back(contact.email);
  if (contact.id) request.contact_ids.push_back(*contact.id);
  if (contact.tags) std::for_each(contact.tags->begin(), contact.tags->end(), note_prefix);
  if (event.tag) note_prefix(*event.tag);
  const auto owner = contact.fields.find("ib_owner_id");
  if (owner != contact.fields.end()) request.tenant_ids.push_back(owner->second);
  if (!names_no_tenant(event)) return;
  request.assignments = true;
  if (!contact.tags && contact.id) request.mirror_tag_contacts.push_back(*contact.id);
}

// One delivery to route: the rule webhook's tenant (empty for account webhooks) and its key.
struct Item {
  const Delivery* delivery;
  std::string rule_tenant;
  std::string key;
};

EpochMs ordered_at_of(const Delivery& d, EpochMs max_clock_skew_ms) {
  return ordered_at(d.source, d.parsed.event.occurred_at, d.received_at, max_clock_skew_ms);
}

// Routes `items` in order against the tenants, leads and mirror rows they touch; only signed
// deliveries reach the mirror, and only when `update_mirror` (on receipt, not on replay).
std::vector<Routed> route_items(const std::vector<Item>& items, RoutingView& view, bool update_mirror,
                                EpochMs max_clock_skew_ms) {
  std::vector<Routed> routes(items.size());
  for (std::size_t n = 0; n < items.size(); ++n) {
    const Delivery& d = *items[n].delivery;
    Routed& r = routes[n];
    if (d.parsed.status == ParseStatus::ok) {
      if (erased_before_routing(view, d.parsed.event.contact, items[n].rule_tenant)) {
        r = erased_route();
        continue;
      }
      r = route(d.parsed.event, items[n].rule_tenant, ordered_at_of(d, max_clock_skew_ms), view);
      undo_erased_lead(r, d.parsed.event.contact, view);
      if (update_mirror && d.source == Source::account && mirrors_after_erasure(r, d.parsed.event.contact, view)) {
        mirror_event(d.parsed.event, ordered_at_of(d, max_clock_skew_ms), view);
      }
    } else {
      r.status = d.parsed.status == ParseStatus::unsupported ? RouteStatus::unsupported : RouteStatus::malformed;
      r.detail = d.parsed.reason;
    }
  }
  // A rule webhook that found no lead routes as soon as its tenant gets one: here when a later
  // delivery of the same batch made it (stored ones: clientflow_route_waiting_rule_deliveries).
  for (std::size_t n = 0; n < items.size(); ++n) {
    if (routes[n].status != RouteStatus::no_lead) continue;
    const Delivery& d = *items[n].delivery;
    const LeadRecord* lead = view.lead_of(items[n].rule_tenant, d.parsed.event.contact);
    if (lead != nullptr && lead->created) {
      routes[n] = route(d.parsed.event, items[n].rule_tenant, ordered_at_of(d, max_clock_skew_ms), view);
    }
  }
  return routes;
}

// `delivery_ids` gives each item's stored row id when known (replay); empty when the rows are
// written in the same statement (ingest), which links them by dedup key.
Effects collect_effects(const std::vector<Item>& items, const std::vector<Routed>& routes,
                        const std::vector<long long>& delivery_ids, RoutingView& view, bool update_mirror) {
  Effects effects;
  for (auto& lead : view.leads()) {
    if (lead.created) effects.created_leads.push_back({lead.tenant_id, lead.id});
    if (lead.changed) effects.lead_upserts.push_back(std::move(lead));
  }
  for (std::size_t n = 0; n < items.size(); ++n) {
    const Routed& r = routes[n];
    if (r.status != RouteStatus::routed || !r.timeline) continue;
    effects.timeline_rows.push_back(
        {r.tenant_id, r.lead_id, r.timeline->kind, r.timeline->tag, r.timeline->occurred_at,
         items[n].delivery->received_at, items[n].key,
         delivery_ids.empty() ? std::nullopt : std::optional<long long>(delivery_ids[n])});
  }
  if (!update_mirror) return effects;
  for (auto& [id, mirror] : view.mirrors()) {
    if (mirror.changed) effects.mirror_upserts.push_back(std::move(mirror));
  }
  return effects;
}

DeliveryRow delivery_row(const Item& item, const Routed& r) {
  const Delivery& d = *item.delivery;
  const Contact& contact = d.parsed.event.contact;
  DeliveryRow row;
  row.dedup_key = item.key;
  row.source = d.source;
  row.event_type = d.event_type;
  row.status = r.status;
  if (r.status == RouteStatus::routed) row.routed_tenant_id = r.tenant_id;
  row.lead_id = r.lead_id;
  row.rule_tenant_id = item.rule_tenant;
  row.event_at = d.parsed.event.occurred_at;
  row.received_at = d.received_at;
  if (r.status == RouteStatus::erased) return row;  // nothing that names the person
  row.contact_id = contact.id;
  row.email = contact.email;
  row.body = d.body;
  row.detail = r.detail;
  return row;
}

// Which admitted deliveries are new: an account key stored or already in this batch, or a rule
// fingerprint not claimed (or claimed by an equal body earlier in the batch), is a duplicate.
std::vector<bool> new_deliveries(const Batch& batch, const Admission& admission, std::set<std::string> claimed,
                                 const std::set<std::string>& stored_keys) {
  std::vector<bool> is_new(batch.size(), false);
  std::set<std::string> batch_keys;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (admission.results[i].outcome == Outcome::unauthorized) continue;
    const std::string& key = admission.dedup_keys[i];
    is_new[i] = batch[i]->source == Source::rule ? claimed.erase(admission.fingerprints[i]) > 0
                                                 : stored_keys.count(key) == 0 && batch_keys.insert(key).second;
  }
  return is_new;
}

}  // namespace

SnapshotRequest snapshot_request(const Batch& batch, const std::set<std::string>& rule_tenants) {
  SnapshotRequest request;
  for (const Delivery* d : batch) {
    if (d->source == Source::rule && !d->rule_token.empty()) {
      request.rule_tokens.emplace(crypto::to_hex(crypto::sha256(d->rule_token)), d->rule_token);
    } else if (d->source == Source::account && !d->dedup_key.empty()) {
      request.account_keys.push_back(d->dedup_key);
    }
    if (d->parsed.status == ParseStatus::ok) note_event(d->parsed.event, request);
  }
  request.tenant_ids.insert(request.tenant_ids.end(), rule_tenants.begin(), rule_tenants.end());
  return request;
}

Admission admit(const Batch& batch, const std::map<std::string, std::string>& tenant_of_token) {
  Admission admission;
  admission.results.resize(batch.size());
  admission.dedup_keys.resize(batch.size());
  admission.fingerprints.resize(batch.size());
  std::set<std::string> seen;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Delivery& d = *batch[i];
    if (d.source != Source::rule) {
      admission.dedup_keys[i] = d.dedup_key;
      continue;
    }
    const auto tenant = tenant_of_token.find(d.rule_token);
    if (tenant == tenant_of_token.end()) {
      admission.results[i].outcome = Outcome::unauthorized;
      continue;
    }
    admission.results[i].tenant_id = tenant->second;
    const std::string fingerprint = crypto::to_hex(crypto::sha256(tenant->second + '\n' + d.event_type + '\n' + d.body));
    if (seen.insert(fingerprint).second) admission.fingerprints_to_claim.push_back(fingerprint);
    admission.dedup_keys[i] = "rule:" + fingerprint + ":" + std::to_string(d.received_at);
    admission.fingerprints[i] = fingerprint;
  }
  return admission;
}

IngestPlan plan_batch(const Batch& batch, const Admission& admission, const std::set<std::string>& claimed,
                      BatchSnapshot snapshot, EpochMs max_clock_skew_ms) {
  IngestPlan plan;
  plan.results = admission.results;
  const std::vector<bool> is_new = new_deliveries(batch, admission, claimed, snapshot.stored_keys);
  std::vector<Item> items;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (admission.results[i].outcome == Outcome::unauthorized) continue;
    if (!is_new[i]) {
      plan.results[i].outcome = Outcome::duplicate;
      continue;
    }
    const bool rule = batch[i]->source == Source::rule;
    items.push_back({batch[i], rule ? admission.results[i].tenant_id : std::string(), admission.dedup_keys[i]});
  }
  const auto routes = route_items(items, snapshot.view, true, max_clock_skew_ms);
  for (std::size_t i = 0, n = 0; i < batch.size(); ++i) {
    if (!is_new[i]) continue;
    plan.results[i].status = routes[n].status;
    plan.results[i].tenant_id = routes[n].status == RouteStatus::routed ? routes[n].tenant_id : std::string();
    plan.delivery_rows.push_back(delivery_row(items[n], routes[n]));
    ++n;
  }
  plan.effects = collect_effects(items, routes, {}, snapshot.view, true);
  return plan;
}

Delivery reparse(Source source, std::string event_type, std::string body, std::optional<EpochMs> event_at,
                 EpochMs received_at, const ParseOptions& options) {
  Delivery d;
  d.source = source;
  d.event_type = std::move(event_type);
  d.body = std::move(body);
  d.received_at = received_at;
  if (source == Source::rule) {
    d.parsed = parse_rule_event(d.event_type.substr(d.event_type.find(':') + 1), d.body, options);
  } else {
    d.parsed = parse_account_event(d.event_type, d.body, options);
    if (event_at) d.parsed.event.occurred_at = event_at;
  }
  return d;
}

ReplayPlan plan_replay(const std::vector<StoredDelivery>& stored, RoutingView view, EpochMs max_clock_skew_ms) {
  std::vector<Item> items;
  std::vector<long long> ids;
  for (const auto& s : stored) {
    items.push_back({&s.delivery, s.rule_tenant_id, std::string()});
    ids.push_back(s.id);
  }
  const auto routes = route_items(items, view, false, max_clock_skew_ms);
  ReplayPlan plan;
  for (std::size_t n = 0; n < stored.size(); ++n) {
    const Routed& r = routes[n];
    const bool routed = r.status == RouteStatus::routed;
    plan.updates.push_back({ids[n], r.status, routed ? r.tenant_id : std::string(), r.lead_id, r.detail});
    if (stored[n].status != status_name(r.status)) {
      plan.changes.push_back({ids[n], stored[n].delivery.event_type, stored[n].status, status_name(r.status),
                              routed ? r.tenant_id : std::string()});
    }
  }
  plan.effects = collect_effects(items, routes, ids, view, false);
  return plan;
}

}  // namespace cf::ingest
