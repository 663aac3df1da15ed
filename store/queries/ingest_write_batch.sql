-- Writes a batch as ingest::IngestPlan says: the new delivery rows first, then the leads, the
-- timeline and the mirror. A delivery row another writer stored first fails the whole batch
-- (unique_violation), which IngestStore::write retries: the second pass sees it and answers
-- duplicate. Times are epoch milliseconds; every parameter is a json array of objects:
-- $1  new webhook_events rows: {dedup_key, source, event_type, status, routed_tenant_id,
--     lead_id, rule_tenant_id, contact_id, email, event_at, received_at, body (base64), detail}
-- $2  lead upserts: {tenant_id, id, email, systeme_contact_id, tags (array), tag_clock (object),
--     open_count, last_opened_at, name, phone, systeme_registered_at}; name, phone and
--     systeme_registered_at fill only a lead that has none
-- $3  timeline rows (lead_events): {tenant_id, lead_id, kind, tag, occurred_at, received_at,
--     dedup_key, webhook_event_id}; a row names its delivery by dedup_key when the delivery is in
--     $1, else by webhook_event_id
-- $4  mirror upserts (systeme_contacts): {contact_id, email, tags, fields, snapshot_at}
WITH ev AS (
  INSERT INTO webhook_events (dedup_key, source, event_type, status, routed_tenant_id, lead_id,
                              rule_tenant_id, contact_id, email, event_at, received_at, body, detail)
  SELECT r.dedup_key, r.source, r.event_type, r.status, r.routed_tenant_id, r.lead_id, r.rule_tenant_id,
         r.contact_id, r.email, to_timestamp(r.event_at / 1000.0), to_timestamp(r.received_at / 1000.0),
         decode(r.body, 'base64'), r.detail
  FROM json_to_recordset($1::json) AS r(dedup_key text, source text, event_type text, status text,
                                        routed_tenant_id uuid, lead_id uuid, rule_tenant_id uuid,
                                        contact_id bigint, email text, event_at bigint, received_at bigint,
                                        body text, detail text)
  RETURNING id, dedup_key),
ld AS (
  INSERT INTO leads (tenant_id, id, email, systeme_contact_id, tags, tag_clock, open_count, last_opened_at, name, phone,
                     systeme_registered_at)
  SELECT r.tenant_id, r.id, r.email, r.systeme_contact_id, ARRAY(SELECT json_array_elements_text(r.tags)),
         r.tag_clock, r.open_count, to_timestamp(r.last_opened_at / 1000.0), r.name, r.phone,
         to_timestamp(r.systeme_registered_at / 1000.0)
  FROM json_to_recordset($2::json) AS r(tenant_id uuid, id uuid, email text, systeme_contact_id bigint, tags json,
                                        tag_clock jsonb, open_count int, last_opened_at bigint, name text, phone text,
                                        systeme_registered_at bigint)
  ON CONFLICT (tenant_id, id) DO UPDATE SET systeme_contact_id = EXCLUDED.systeme_contact_id,
    tags = EXCLUDED.tags, tag_clock = EXCLUDED.tag_clock, open_count = EXCLUDED.open_count,
    last_opened_at = EXCLUDED.last_opened_at, name = coalesce(leads.name, EXCLUDED.name),
    phone = coalesce(leads.phone, EXCLUDED.phone),
    systeme_registered_at = coalesce(leads.systeme_registered_at, EXCLUDED.systeme_registered_at), updated_at = now()),
tl AS (
  INSERT INTO lead_events (tenant_id, lead_id, kind, tag, occurred_at, received_at, webhook_event_id)
  SELECT r.tenant_id, r.lead_id, r.kind, r.tag, to_timestamp(r.occurred_at / 1000.0),
         to_timestamp(r.received_at / 1000.0), coalesce(ev.id, r.webhook_event_id)
  FROM json_to_recordset($3::json) AS r(tenant_id uuid, lead_id uuid, kind text, tag text, occurred_at bigint,
                                        received_at bigint, dedup_key text, webhook_event_id bigint)
  LEFT JOIN ev ON ev.dedup_key = r.dedup_key),
mc AS (
  INSERT INTO systeme_contacts (contact_id, email, tags, fields, snapshot_at)
  SELECT r.contact_id, r.email, r.tags, r.fields, to_timestamp(r.snapshot_at / 1000.0)
  FROM json_to_recordset($4::json) AS r(contact_id bigint, email text, tags jsonb, fields jsonb, snapshot_at bigint)
  ON CONFLICT (contact_id) DO UPDATE SET email = coalesce(EXCLUDED.email, systeme_contacts.email),
    tags = EXCLUDED.tags, fields = EXCLUDED.fields, snapshot_at = EXCLUDED.snapshot_at, updated_at = now())
SELECT 1;
