#include "store/ingest_store.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/json_rows.h"
#include "common/tag_prefix.h"
#include "store/queries.h"
#include "store/tenants.h"

namespace cf::store {

using ingest::Delivery;
using ingest::DeliveryResult;
using ingest::Outcome;
using ingest::RouteStatus;
using nlohmann::json;

namespace {

const std::string kLockPeople(sql::lock_people);

json person_keys(const std::vector<std::string>& emails, const std::vector<long long>& contact_ids) {
  json keys = json::array();
  for (const auto& e : emails) keys.push_back("e:" + e);
  for (const auto c : contact_ids) keys.push_back("c:" + std::to_string(c));
  return keys;
}

// The replay statements, prepared by libpqxx on each connection that replays.
const std::vector<std::pair<const char*, const char*>>& statements() {
  static const std::vector<std::pair<const char*, const char*>> all{
      {"replay_select",
         "SELECT id, source, event_type, status, coalesce(rule_tenant_id::text, ''), body, "
         "(extract(epoch FROM event_at) * 1000)::bigint, (extract(epoch FROM received_at) * 1000)::bigint "
         "FROM webhook_events WHERE id > $1 AND status <> 'routed' "
         "AND (($2 = '' AND status <> 'no_lead') OR status = $2) "
         "AND body IS NOT NULL ORDER BY id LIMIT $3 FOR UPDATE"},
      {"replay_select_ids",
         "SELECT id, source, event_type, status, coalesce(rule_tenant_id::text, ''), body, "
         "(extract(epoch FROM event_at) * 1000)::bigint, (extract(epoch FROM received_at) * 1000)::bigint "
         "FROM webhook_events WHERE id = ANY (ARRAY(SELECT (jsonb_array_elements_text($1::jsonb))::bigint)) "
         "AND status <> 'routed' AND body IS NOT NULL ORDER BY id FOR UPDATE"},
      {"replay_update_events",
         "UPDATE webhook_events w SET status = r.st, routed_tenant_id = r.tn, lead_id = r.l, detail = r.d, "
         "replayed_at = now() FROM json_to_recordset($1::json) AS r(id bigint, st text, tn uuid, l uuid, d text) "
         "WHERE w.id = r.id"},
  };
  return all;
}

// The statements of the ingest path. They run by SQL `EXECUTE` inside multi-statement strings,
// so that a batch takes two round trips ("BEGIN; lock; read" and "write; COMMIT") and not eight;
// SQL-level prepared statements keep their plans, as protocol-level ones do.
const std::vector<std::pair<const char*, std::string>>& session_statements() {
  static const std::vector<std::pair<const char*, std::string>> all{
      {"ingest_lock_people", std::string(kLockPeople)},
      // Everything routing reads for a batch, as JSON arrays: $1 account dedup keys, $2 rule
      // token hashes, $3 emails, $4 contact ids, $5 prefixes on the deliveries' tags, $6 tenant
      // ids their fields name, $7 and $8 emails and contact ids to look up assignments for, $9 the
      // contacts whose mirrored tags name their owners (contact and sale events without tags).
      {"ingest_read",
       "WITH m AS ("
       "SELECT contact_id, coalesce(email, '') AS email, tags, fields, "
       "(extract(epoch FROM snapshot_at) * 1000)::bigint AS at FROM systeme_contacts "
       "WHERE contact_id = ANY (ARRAY(SELECT (jsonb_array_elements_text($4::jsonb))::bigint))), "
       "a AS ("
       "SELECT coalesce(email, '') AS email, contact_id, tenant_ids FROM contact_assignments "
       "WHERE email = ANY (ARRAY(SELECT jsonb_array_elements_text($7::jsonb))) "
       "OR contact_id = ANY (ARRAY(SELECT (jsonb_array_elements_text($8::jsonb))::bigint))) "
       "SELECT "
       "(SELECT coalesce(json_agg(dedup_key), '[]') FROM webhook_events "
       "WHERE dedup_key = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))), "
       "(SELECT coalesce(json_agg(json_build_array(encode(rule_token_hash, 'hex'), id)), '[]') FROM tenants "
       "WHERE rule_token_hash = ANY (ARRAY(SELECT decode(jsonb_array_elements_text($2::jsonb), 'hex')))), "
       "(SELECT coalesce(json_agg(json_build_array(contact_id, email, tags, fields, at)), '[]') FROM m), "
       "(SELECT coalesce(json_agg(json_build_array(id, prefix)), '[]') FROM tenants "
       "WHERE prefix = ANY (ARRAY(SELECT jsonb_array_elements_text($5::jsonb) UNION ALL "
       "SELECT substring(lower(t) FROM '^ib-[a-z0-9]{3,32}-') FROM m, jsonb_array_elements_text(m.tags) AS t "
       "WHERE m.contact_id = ANY (ARRAY(SELECT (jsonb_array_elements_text($9::jsonb))::bigint)))) "
       "OR id = ANY (ARRAY(SELECT (jsonb_array_elements_text($6::jsonb))::uuid UNION ALL SELECT unnest(tenant_ids) FROM a)) "
       "OR rule_token_hash = ANY (ARRAY(SELECT decode(jsonb_array_elements_text($2::jsonb), 'hex')))), "
       "(SELECT coalesce(json_agg(json_build_array(email, contact_id, tenant_ids)), '[]') FROM a), "
       "(SELECT coalesce(json_agg(json_build_array(tenant_id, id, email, systeme_contact_id, tags, tag_clock, "
       "open_count, (extract(epoch FROM last_opened_at) * 1000)::bigint)), '[]') FROM leads "
       "WHERE email = ANY (ARRAY(SELECT jsonb_array_elements_text($3::jsonb))) "
       "OR systeme_contact_id = ANY (ARRAY(SELECT (jsonb_array_elements_text($4::jsonb))::bigint)))"},
      // Leads this batch created take the rule webhooks their tenant kept as no_lead for the person.
      {"ingest_route_waiting",
       "SELECT clientflow_route_waiting_rule_deliveries(r.tenant_id, r.lead_id) "
       "FROM json_to_recordset($1::json) AS r(tenant_id uuid, lead_id uuid)"},
      {"ingest_claim_rule_fingerprints",
       "INSERT INTO rule_deliveries_seen (fingerprint, seen_at) "
       "SELECT decode(f, 'hex'), now() FROM jsonb_array_elements_text($1::jsonb) AS f "
       "ON CONFLICT (fingerprint) DO UPDATE SET seen_at = EXCLUDED.seen_at "
       "WHERE rule_deliveries_seen.seen_at < EXCLUDED.seen_at - interval '10 minutes' "
       "RETURNING encode(fingerprint, 'hex')"},
      // A delivery row another writer stored first fails the whole batch (unique_violation), which
      // write() retries: the second pass sees the row and answers duplicate.
      {"ingest_write_batch",
       "WITH ev AS ("
       "INSERT INTO webhook_events (dedup_key, source, event_type, status, routed_tenant_id, lead_id, "
       "rule_tenant_id, contact_id, email, event_at, received_at, body, detail) "
       "SELECT r.k, r.s, r.t, r.st, r.tn, r.l, r.rt, r.c, r.e, to_timestamp(r.at / 1000.0), "
       "to_timestamp(r.rc / 1000.0), decode(r.b, 'base64'), r.d "
       "FROM json_to_recordset($1::json) AS r(k text, s text, t text, st text, tn uuid, l uuid, rt uuid, "
       "c bigint, e text, at bigint, rc bigint, b text, d text) "
       "RETURNING id, dedup_key), "
       "ld AS ("
       "INSERT INTO leads (tenant_id, id, email, systeme_contact_id, tags, tag_clock, open_count, last_opened_at) "
       "SELECT r.tn, r.id, r.e, r.c, ARRAY(SELECT json_array_elements_text(r.tg)), r.tc, r.o, "
       "to_timestamp(r.lo / 1000.0) "
       "FROM json_to_recordset($2::json) AS r(tn uuid, id uuid, e text, c bigint, tg json, tc jsonb, o int, lo bigint) "
       "ON CONFLICT (tenant_id, id) DO UPDATE SET systeme_contact_id = EXCLUDED.systeme_contact_id, "
       "tags = EXCLUDED.tags, tag_clock = EXCLUDED.tag_clock, open_count = EXCLUDED.open_count, "
       "last_opened_at = EXCLUDED.last_opened_at, updated_at = now()), "
       "tl AS ("
       "INSERT INTO lead_events (tenant_id, lead_id, kind, tag, occurred_at, received_at, webhook_event_id) "
       "SELECT r.tn, r.l, r.k, r.tg, to_timestamp(r.at / 1000.0), to_timestamp(r.rc / 1000.0), coalesce(ev.id, r.w) "
       "FROM json_to_recordset($3::json) AS r(tn uuid, l uuid, k text, tg text, at bigint, rc bigint, dk text, w bigint) "
       "LEFT JOIN ev ON ev.dedup_key = r.dk), "
       "mc AS ("
       "INSERT INTO systeme_contacts (contact_id, email, tags, fields, snapshot_at) "
       "SELECT r.c, r.e, r.tg, r.f, to_timestamp(r.at / 1000.0) "
       "FROM json_to_recordset($4::json) AS r(c bigint, e text, tg jsonb, f jsonb, at bigint) "
       "ON CONFLICT (contact_id) DO UPDATE SET email = coalesce(EXCLUDED.email, systeme_contacts.email), "
       "tags = EXCLUDED.tags, fields = EXCLUDED.fields, snapshot_at = EXCLUDED.snapshot_at, updated_at = now()) "
       "SELECT 1"},
  };
  return all;
}

// SQLSTATE 26000: an EXECUTE named a statement this session has not prepared yet.
bool not_prepared(const pqxx::sql_error& e) { return e.sqlstate() == "26000"; }

// Prepares (SQL PREPARE) those of session_statements() this session does not have yet.
void prepare_session(pqxx::transaction_base& tx) {
  std::set<std::string> prepared;
  for (const auto& row : tx.exec("SELECT name FROM pg_prepared_statements")) prepared.insert(row[0].as<std::string>());
  for (const auto& [name, sql] : session_statements()) {
    if (prepared.count(name) == 0) tx.exec0(std::string("PREPARE ") + name + " AS " + sql);
  }
}

// "EXECUTE name('arg', ...)": a session statement with its arguments quoted as literals.
std::string execute(pqxx::transaction_base& tx, const char* name, std::initializer_list<std::string> args) {
  std::string sql = std::string("EXECUTE ") + name + "(";
  bool first = true;
  for (const auto& arg : args) {
    if (!first) sql += ", ";
    sql += tx.quote(arg);
    first = false;
  }
  return sql + ")";
}

constexpr int kAttempts = 4;

std::string base64(const std::string& bytes) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], table[v & 63]};
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += {table[v >> 18], table[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], '='};
  }
  return out;
}

// What a batch reads before routing (see ingest_read): the stored dedup keys, each rule token's
// tenant, and the tenants, leads, mirror rows and assignments its deliveries can touch.
struct BatchState {
  std::set<std::string> stored_keys;
  std::map<std::string, std::string> tenant_of_token;
  ingest::RoutingView view;
};

// `begin` opens the transaction in the same round trip ("BEGIN; lock; read"). The people are
// locked first, in one global order, so the read sees whatever other writers committed for them.
// `rule_tenants`: tenants stored rule deliveries named (replay), loaded with the others.
BatchState read_state(pqxx::transaction_base& tx, const std::vector<const Delivery*>& deliveries,
                      const std::set<std::string>& rule_tenants, bool begin) {
  std::vector<std::string> email_list;
  std::vector<long long> contact_list;
  std::set<std::string> prefixes;
  json account_keys = json::array(), token_hashes = json::array(), tenant_ids = json::array();
  std::map<std::string, std::string> token_by_hash;
  bool names_no_tenant = false;
  json mirror_tag_contacts = json::array();
  const auto note_prefix = [&](const std::string& tag) {
    if (auto prefix = TagPrefix::of_tag(tag)) prefixes.insert(prefix->str());
  };
  for (const Delivery* d : deliveries) {
    if (d->source == ingest::Source::rule && !d->rule_token.empty()) {
      const std::string hash = crypto::to_hex(crypto::sha256(d->rule_token));
      if (token_by_hash.emplace(hash, d->rule_token).second) token_hashes.push_back(hash);
    } else if (d->source == ingest::Source::account && !d->dedup_key.empty()) {
      account_keys.push_back(d->dedup_key);
    }
    if (d->parsed.status != ingest::ParseStatus::ok) continue;
    const auto& event = d->parsed.event;
    if (!event.contact.email.empty()) email_list.push_back(event.contact.email);
    if (event.contact.id) contact_list.push_back(*event.contact.id);
    if (event.contact.tags) std::for_each(event.contact.tags->begin(), event.contact.tags->end(), note_prefix);
    if (event.tag) note_prefix(*event.tag);
    const auto owner = event.contact.fields.find("ib_owner_id");
    if (owner != event.contact.fields.end() && is_uuid(owner->second)) tenant_ids.push_back(owner->second);
    // Admins' assignments and the mirror's tags matter only to contact and sale events, which
    // name no tenant.
    const bool names_none = event.kind != ingest::EventKind::tag_added &&
                            event.kind != ingest::EventKind::tag_removed && event.kind != ingest::EventKind::rule;
    names_no_tenant |= names_none;
    if (names_none && !event.contact.tags && event.contact.id) mirror_tag_contacts.push_back(*event.contact.id);
  }
  for (const auto& tenant : rule_tenants) tenant_ids.push_back(tenant);
  const std::string emails = json(email_list).dump(), contact_ids = json(contact_list).dump();
  const std::string none = "[]";
  std::string sql = begin ? "BEGIN; " : "";
  sql += execute(tx, "ingest_lock_people", {person_keys(email_list, contact_list).dump()}) + "; ";
  sql += execute(tx, "ingest_read",
                 {account_keys.dump(), token_hashes.dump(), emails, contact_ids, json(prefixes).dump(),
                  tenant_ids.dump(), names_no_tenant ? emails : none, names_no_tenant ? contact_ids : none,
                  mirror_tag_contacts.dump()});
  const auto row = tx.exec1(sql);

  BatchState state;
  for (const auto& key : json::parse(row[0].c_str())) state.stored_keys.insert(key.get<std::string>());
  for (const auto& pair : json::parse(row[1].c_str())) {
    state.tenant_of_token[token_by_hash.at(pair[0].get<std::string>())] = pair[1].get<std::string>();
  }
  for (const auto& m : json::parse(row[2].c_str())) {
    ingest::MirrorRecord mirror;
    mirror.contact_id = m[0].get<long long>();
    mirror.email = m[1].get<std::string>();
    mirror.tags = m[2].get<std::vector<std::string>>();
    mirror.fields = m[3].get<std::map<std::string, std::string>>();
    if (!m[4].is_null()) mirror.snapshot_at = m[4].get<long long>();
    state.view.add_mirror(std::move(mirror));
  }
  for (const auto& t : json::parse(row[3].c_str())) state.view.add_tenant({t[0].get<std::string>(), t[1].get<std::string>()});
  for (const auto& a : json::parse(row[4].c_str())) {
    ingest::Assignment assignment;
    assignment.email = a[0].get<std::string>();
    if (!a[1].is_null()) assignment.contact_id = a[1].get<long long>();
    assignment.tenant_ids = a[2].get<std::vector<std::string>>();
    state.view.add_assignment(std::move(assignment));
  }
  for (const auto& l : json::parse(row[5].c_str())) {
    ingest::LeadRecord lead;
    lead.tenant_id = l[0].get<std::string>();
    lead.id = l[1].get<std::string>();
    lead.email = l[2].get<std::string>();
    if (!l[3].is_null()) lead.contact_id = l[3].get<long long>();
    for (const auto& tag : l[4]) lead.tags.insert(tag.get<std::string>());
    lead.tag_clock = l[5].get<std::map<std::string, EpochMs>>();
    lead.open_count = l[6].get<int>();
    if (!l[7].is_null()) lead.last_opened_at = l[7].get<long long>();
    state.view.add_lead(std::move(lead));
  }
  return state;
}

// One delivery to route: the rule webhook's tenant (empty for account webhooks) and its key.
struct Item {
  const Delivery* delivery;
  std::string rule_tenant;
  std::string key;
};

// Routes `items` in order against the tenants, leads and mirror rows they touch; only signed
// deliveries reach the mirror, and only when `update_mirror` (on receipt, not on replay).
std::vector<ingest::Routed> route_items(const std::vector<Item>& items, ingest::RoutingView& view, bool update_mirror,
                                        EpochMs max_clock_skew_ms) {
  std::vector<ingest::Routed> routes(items.size());
  const auto at = [&](const Delivery& d) {
    return ingest::ordered_at(d.source, d.parsed.event.occurred_at, d.received_at, max_clock_skew_ms);
  };
  for (std::size_t n = 0; n < items.size(); ++n) {
    const Delivery& d = *items[n].delivery;
    ingest::Routed& r = routes[n];
    if (d.parsed.status == ingest::ParseStatus::ok) {
      r = ingest::route(d.parsed.event, items[n].rule_tenant, at(d), view);
      if (update_mirror && d.source == ingest::Source::account) ingest::mirror_event(d.parsed.event, at(d), view);
    } else {
      r.status = d.parsed.status == ingest::ParseStatus::unsupported ? RouteStatus::unsupported : RouteStatus::malformed;
      r.detail = d.parsed.reason;
    }
  }
  // A rule webhook that found no lead routes as soon as its tenant gets one: here when a later
  // delivery of the same batch made it (stored ones: clientflow_route_waiting_rule_deliveries).
  for (std::size_t n = 0; n < items.size(); ++n) {
    if (routes[n].status != RouteStatus::no_lead) continue;
    const Delivery& d = *items[n].delivery;
    const ingest::LeadRecord* lead = view.lead_of(items[n].rule_tenant, d.parsed.event.contact);
    if (lead != nullptr && lead->created) routes[n] = ingest::route(d.parsed.event, items[n].rule_tenant, at(d), view);
  }
  return routes;
}

// What routing changed, as the JSON documents the write statements take.
struct Effects {
  std::string leads;
  std::string timeline;  // each entry names its delivery by dedup key ("dk") and id ("w")
  std::string mirrors;
  std::string created_leads;  // {tenant_id, lead_id} of each lead new in this batch
};

// `event_ids` gives each item's stored row id when known (replay); empty when the rows are
// written in the same statement (ingest), which links them by dedup key.
Effects collect_effects(const std::vector<Item>& items, const std::vector<ingest::Routed>& routes,
                        const std::vector<long long>& event_ids, ingest::RoutingView& view, bool update_mirror) {
  JsonRows leads, created;
  for (const auto& lead : view.leads()) {
    if (lead.created) created.row().text("tenant_id", lead.tenant_id).text("lead_id", lead.id);
    if (!lead.changed) continue;
    leads.row()
        .text("tn", lead.tenant_id)
        .text("id", lead.id)
        .text("e", lead.email)
        .number("c", lead.contact_id ? std::optional<std::int64_t>(*lead.contact_id) : std::nullopt)
        .strings("tg", lead.tags)
        .object("tc", lead.tag_clock)
        .number("o", lead.open_count)
        .number("lo", lead.last_opened_at);
  }
  JsonRows timeline;
  for (std::size_t n = 0; n < items.size(); ++n) {
    const ingest::Routed& r = routes[n];
    if (r.status != RouteStatus::routed || !r.timeline) continue;
    timeline.row()
        .text("tn", r.tenant_id)
        .text("l", r.lead_id)
        .text("k", r.timeline->kind)
        .text_or_null("tg", r.timeline->tag.value_or(""))
        .number("at", r.timeline->occurred_at)
        .number("rc", items[n].delivery->received_at)
        .text("dk", items[n].key)
        .number("w", event_ids.empty() ? std::nullopt : std::optional<std::int64_t>(event_ids[n]));
  }
  JsonRows mirrors;
  if (update_mirror) {
    for (const auto& [id, mirror] : view.mirrors()) {
      if (!mirror.changed) continue;
      mirrors.row()
          .number("c", id)
          .text_or_null("e", mirror.email)
          .strings("tg", mirror.tags)
          .object("f", mirror.fields)
          .number("at", mirror.snapshot_at);
    }
  }
  return {leads.finish(), timeline.finish(), mirrors.finish(), created.empty() ? std::string() : created.finish()};
}

// Writes a batch: new delivery rows (`events`, may be "[]") and the effects routing produced. A
// timeline entry links to its delivery by dedup key when the row is new here, else by its id.
// The statement, to run with others in one round trip.
std::string write_batch(pqxx::transaction_base& tx, const std::string& events, const Effects& effects) {
  std::string sql = execute(tx, "ingest_write_batch", {events, effects.leads, effects.timeline, effects.mirrors});
  if (!effects.created_leads.empty()) sql += "; " + execute(tx, "ingest_route_waiting", {effects.created_leads});
  return sql;
}

}  // namespace

void lock_people(pqxx::work& tx, const std::vector<std::string>& emails, const std::vector<long long>& contact_ids) {
  tx.exec_params(kLockPeople, person_keys(emails, contact_ids).dump());
}

IngestStore::IngestStore(pqxx::connection& connection, IngestOptions options)
    : connection_(connection), options_(options) {
  for (const auto& [name, sql] : statements()) connection_.prepare(name, sql);
}

void IngestStore::configure_session(pqxx::connection& connection) {
  // Every ingest statement finds rows by key. Planning each execution cost about a quarter of
  // PostgreSQL's CPU (bench/README.md), so plans are made once per connection; without
  // sequential scans, a plan made while a table is still small keeps using its index as it grows.
  pqxx::nontransaction tx(connection);
  tx.exec0("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off");
  prepare_session(tx);
}

std::vector<DeliveryResult> IngestStore::write(const std::vector<const Delivery*>& batch) {
  for (int attempt = 1;; ++attempt) {
    try {
      return write_once(batch);
    } catch (const pqxx::sql_error& e) {
      if (not_prepared(e)) {
        // The first batch of this session: prepare, then go again.
        pqxx::nontransaction tx(connection_);
        prepare_session(tx);
        if (attempt < kAttempts) continue;
      }
      // unique_violation (a lead or delivery stored concurrently), serialization failure, deadlock.
      const std::string state = e.sqlstate();
      if ((state != "23505" && state != "40001" && state != "40P01") || attempt >= kAttempts) throw;
    }
  }
}

std::vector<DeliveryResult> IngestStore::write_once(const std::vector<const Delivery*>& batch) {
  // The transaction is opened and committed by the statements themselves (two round trips), so
  // libpqxx sees a nontransaction; any failure on the way rolls it back here.
  pqxx::nontransaction tx(connection_);
  try {
    return write_in(tx, batch);
  } catch (...) {
    try {
      tx.exec0("ROLLBACK");
    } catch (const std::exception&) {
      // The connection is gone; so is the transaction.
    }
    throw;
  }
}

std::vector<DeliveryResult> IngestStore::write_in(pqxx::transaction_base& tx, const std::vector<const Delivery*>& batch) {
  std::vector<DeliveryResult> results(batch.size());
  std::vector<std::string> keys(batch.size());
  BatchState state = read_state(tx, batch, {}, true);

  // 1. Rule webhooks: the token names the tenant; the dedup key is the body's fingerprint.
  std::vector<std::string> fingerprints(batch.size());
  json fresh_candidates = json::array();
  std::set<std::string> seen_fingerprints;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Delivery& d = *batch[i];
    if (d.source != ingest::Source::rule) {
      keys[i] = d.dedup_key;
      continue;
    }
    const auto tenant = state.tenant_of_token.find(d.rule_token);
    if (tenant == state.tenant_of_token.end()) {
      results[i].outcome = Outcome::unauthorized;
      continue;
    }
    results[i].tenant_id = tenant->second;
    fingerprints[i] = crypto::to_hex(crypto::sha256(tenant->second + '\n' + d.event_type + '\n' + d.body));
    if (seen_fingerprints.insert(fingerprints[i]).second) fresh_candidates.push_back(fingerprints[i]);
    keys[i] = "rule:" + fingerprints[i] + ":" + std::to_string(d.received_at);
  }
  std::set<std::string> fresh_rules;
  if (!fresh_candidates.empty()) {
    for (const auto& row : tx.exec(execute(tx, "ingest_claim_rule_fingerprints", {fresh_candidates.dump()}))) {
      fresh_rules.insert(row[0].as<std::string>());
    }
  }

  // 2. Account webhooks: a message id already stored, or twice in this batch, is a duplicate.
  const std::set<std::string>& stored_keys = state.stored_keys;
  std::vector<bool> is_new(batch.size(), false);
  std::set<std::string> batch_keys;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Delivery& d = *batch[i];
    if (results[i].outcome == Outcome::unauthorized) continue;
    bool fresh;
    if (d.source == ingest::Source::rule) {
      fresh = fresh_rules.erase(fingerprints[i]) > 0;  // the first of equal bodies only
    } else {
      fresh = stored_keys.count(keys[i]) == 0 && batch_keys.insert(keys[i]).second;
    }
    if (!fresh) {
      results[i].outcome = Outcome::duplicate;
      continue;
    }
    is_new[i] = true;
  }

  // 3. Route the new deliveries, in order, against the state they touch.
  std::vector<Item> items;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!is_new[i]) continue;
    items.push_back({batch[i], batch[i]->source == ingest::Source::rule ? results[i].tenant_id : std::string(), keys[i]});
  }
  ingest::RoutingView& view = state.view;
  const auto routes = route_items(items, view, true, options_.max_clock_skew_ms);

  // 4. Write: the delivery log first (a lost race shows here), then leads, timeline, mirror.
  JsonRows events;
  for (std::size_t n = 0; n < items.size(); ++n) {
    const Delivery& d = *items[n].delivery;
    const ingest::Routed& r = routes[n];
    const auto& contact = d.parsed.event.contact;
    const bool routed = r.status == RouteStatus::routed;
    events.row()
        .text("k", items[n].key)
        .text("s", d.source == ingest::Source::rule ? "rule" : "account")
        .text("t", d.event_type)
        .text("st", ingest::status_name(r.status))
        .text_or_null("tn", routed ? r.tenant_id : std::string())
        .text_or_null("l", r.lead_id)
        .text_or_null("rt", items[n].rule_tenant)
        .number("c", contact.id ? std::optional<std::int64_t>(*contact.id) : std::nullopt)
        .text_or_null("e", contact.email)
        .number("at", d.parsed.event.occurred_at)
        .number("rc", d.received_at)
        .text("b", base64(d.body))
        .text_or_null("d", r.detail);
  }
  std::string sql = events.empty() ? std::string() : write_batch(tx, events.finish(), collect_effects(items, routes, {}, view, true)) + "; ";
  tx.exec0(sql + "COMMIT");
  for (std::size_t i = 0, n = 0; i < batch.size(); ++i) {
    if (!is_new[i]) continue;
    results[i].status = routes[n].status;
    results[i].tenant_id = routes[n].status == RouteStatus::routed ? routes[n].tenant_id : std::string();
    ++n;
  }
  return results;
}

DeliveryResult IngestStore::keep_refused(const Delivery& delivery, const std::string& why) {
  Delivery kept;
  kept.source = delivery.source;
  kept.dedup_key = delivery.dedup_key;
  kept.event_type = ingest::account_event_type(delivery.event_type);
  kept.rule_token = delivery.rule_token;
  kept.body = delivery.body;
  kept.received_at = delivery.received_at;
  kept.parsed.status = ingest::ParseStatus::malformed;
  std::string detail = "could not be applied: " + why;
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  for (char& c : detail) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) c = '?';
  }
  kept.parsed.reason = detail;
  return write({&kept}).front();
}

ReplayPage IngestStore::replay(const std::string& status, long long after_id, int limit) {
  pqxx::work tx(connection_);
  auto page = replay_rows(tx, tx.exec_prepared("replay_select", after_id, status, limit));
  tx.commit();
  return page;
}

ReplayPage IngestStore::replay_ids(pqxx::work& tx, const std::vector<long long>& ids) {
  return replay_rows(tx, tx.exec_prepared("replay_select_ids", json(ids).dump()));
}

ReplayPage IngestStore::replay_rows(pqxx::work& tx, const pqxx::result& rows) {
  ReplayPage page;
  std::vector<Delivery> deliveries;
  std::vector<Item> items;
  std::vector<long long> ids;
  std::vector<std::string> before;
  deliveries.reserve(rows.size());
  for (const auto& row : rows) {
    Delivery d;
    d.source = row[1].as<std::string>() == "rule" ? ingest::Source::rule : ingest::Source::account;
    d.event_type = row[2].as<std::string>();
    const pqxx::binarystring body(row[5]);
    d.body = body.str();
    d.received_at = row[7].as<long long>();
    if (d.source == ingest::Source::rule) {
      d.parsed = ingest::parse_rule_event(d.event_type.substr(d.event_type.find(':') + 1), d.body, options_.parse);
    } else {
      d.parsed = ingest::parse_account_event(d.event_type, d.body, options_.parse);
      if (!row[6].is_null()) d.parsed.event.occurred_at = row[6].as<long long>();
    }
    deliveries.push_back(std::move(d));
    items.push_back({&deliveries.back(), row[4].as<std::string>(), std::string()});
    ids.push_back(row[0].as<long long>());
    before.push_back(row[3].as<std::string>());
  }
  if (items.empty()) return page;

  prepare_session(tx);
  std::vector<const Delivery*> stored;
  std::set<std::string> rule_tenants;
  for (const auto& item : items) {
    stored.push_back(item.delivery);
    if (!item.rule_tenant.empty()) rule_tenants.insert(item.rule_tenant);
  }
  ingest::RoutingView view = read_state(tx, stored, rule_tenants, false).view;
  const auto routes = route_items(items, view, false, options_.max_clock_skew_ms);
  json updates = json::array();
  for (std::size_t n = 0; n < items.size(); ++n) {
    const ingest::Routed& r = routes[n];
    const bool routed = r.status == RouteStatus::routed;
    updates.push_back({{"id", ids[n]},
                       {"st", ingest::status_name(r.status)},
                       {"tn", routed ? json(r.tenant_id) : json(nullptr)},
                       {"l", r.lead_id.empty() ? json(nullptr) : json(r.lead_id)},
                       {"d", r.detail.empty() ? json(nullptr) : json(r.detail)}});
    if (before[n] != ingest::status_name(r.status)) {
      page.changes.push_back({ids[n], items[n].delivery->event_type, before[n], ingest::status_name(r.status),
                              routed ? r.tenant_id : std::string()});
    }
  }
  tx.exec_prepared("replay_update_events",
      updates.dump());
  tx.exec(write_batch(tx, "[]", collect_effects(items, routes, ids, view, false)));
  page.examined = static_cast<int>(items.size());
  page.last_id = ids.back();
  return page;
}

}  // namespace cf::store
