#include "store/ingest_effects.h"

#include "common/crypto.h"
#include "common/json_rows.h"
#include "store/ingest_statements.h"

namespace cf::store {

using ingest::RouteStatus;

namespace {

std::optional<std::int64_t> optional_number(const std::optional<long long>& value) {
  return value ? std::optional<std::int64_t>(*value) : std::nullopt;
}

std::string delivery_rows(const std::vector<ingest::DeliveryRow>& rows) {
  JsonRows out;
  for (const auto& r : rows) {
    out.row()
        .text("dedup_key", r.dedup_key)
        .text("source", r.source == ingest::Source::rule ? "rule" : "account")
        .text("event_type", r.event_type)
        .text("status", ingest::status_name(r.status))
        .text_or_null("routed_tenant_id", r.routed_tenant_id)
        .text_or_null("lead_id", r.lead_id)
        .text_or_null("rule_tenant_id", r.rule_tenant_id)
        .number("contact_id", optional_number(r.contact_id))
        .text_or_null("email", r.email)
        .number("event_at", optional_number(r.event_at))
        .number("received_at", r.received_at)
        .text_or_null("body", r.status == ingest::RouteStatus::erased ? std::string() : crypto::base64(r.body))
        .text_or_null("detail", r.detail);
  }
  return out.finish();
}

std::string lead_upserts(const std::vector<ingest::LeadRecord>& leads) {
  JsonRows out;
  for (const auto& lead : leads) {
    out.row()
        .text("tenant_id", lead.tenant_id)
        .text("id", lead.id)
        .text("email", lead.email)
        .number("systeme_contact_id", optional_number(lead.contact_id))
        .strings("tags", lead.tags)
        .object("tag_clock", lead.tag_clock)
        .number("open_count", lead.open_count)
        .number("last_opened_at", optional_number(lead.last_opened_at))
        .text_or_null("name", lead.name.value_or(""))
        .text_or_null("phone", lead.phone.value_or(""))
        .number("systeme_registered_at", optional_number(lead.registered_at));
  }
  return out.finish();
}

std::string timeline_rows(const std::vector<ingest::TimelineRow>& rows) {
  JsonRows out;
  for (const auto& r : rows) {
    out.row()
        .text("tenant_id", r.tenant_id)
        .text("lead_id", r.lead_id)
        .text("kind", r.kind)
        .text_or_null("tag", r.tag.value_or(""))
        .number("occurred_at", r.occurred_at)
        .number("received_at", r.received_at)
        .text("dedup_key", r.delivery_key)
        .number("webhook_event_id", optional_number(r.delivery_id));
  }
  return out.finish();
}

std::string mirror_upserts(const std::vector<ingest::MirrorRecord>& mirrors) {
  JsonRows out;
  for (const auto& mirror : mirrors) {
    out.row()
        .number("contact_id", mirror.contact_id)
        .text_or_null("email", mirror.email)
        .strings("tags", mirror.tags)
        .object("fields", mirror.fields)
        .number("snapshot_at", optional_number(mirror.snapshot_at));
  }
  return out.finish();
}

std::string created_leads(const std::vector<ingest::CreatedLead>& leads) {
  JsonRows out;
  for (const auto& lead : leads) out.row().text("tenant_id", lead.tenant_id).text("lead_id", lead.lead_id);
  return out.finish();
}

// The delivery rows `events` ("[]" on replay) and the effects, as statements for one round trip.
std::string write_statements(pqxx::transaction_base& tx, const std::string& events, const ingest::Effects& effects) {
  std::string sql = ingest_statements::execute(
      tx, "ingest_write_batch",
      {events, lead_upserts(effects.lead_upserts), timeline_rows(effects.timeline_rows),
       mirror_upserts(effects.mirror_upserts)});
  if (!effects.created_leads.empty()) {
    sql += "; " + ingest_statements::execute(tx, "ingest_route_waiting", {created_leads(effects.created_leads)});
  }
  return sql;
}

}  // namespace

std::string write_plan_statements(pqxx::transaction_base& tx, const ingest::IngestPlan& plan) {
  if (plan.delivery_rows.empty()) return std::string();
  return write_statements(tx, delivery_rows(plan.delivery_rows), plan.effects);
}

void write_replay(pqxx::transaction_base& tx, const ingest::ReplayPlan& plan) {
  JsonRows updates;
  for (const auto& u : plan.updates) {
    updates.row()
        .number("id", u.id)
        .text("status", ingest::status_name(u.status))
        .text_or_null("routed_tenant_id", u.routed_tenant_id)
        .text_or_null("lead_id", u.lead_id)
        .text_or_null("detail", u.detail);
  }
  tx.exec(ingest_statements::execute(tx, "replay_update_events", {updates.finish()}));
  tx.exec(write_statements(tx, "[]", plan.effects));
}

}  // namespace cf::store
