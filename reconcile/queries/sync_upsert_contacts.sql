-- Writes one page of contacts from the Systeme.io API into the mirror. Systeme.io's own data
-- replaces whatever the mirror holds, whatever its snapshot time (an email only when it has one).
-- $1  jsonb        array of {"contact_id": bigint, "email": text or null, "tags": [text],
--                  "fields": {slug: value}, "snapshot_at": milliseconds since the epoch}
-- $2  timestamptz  when this sync started (synced_at), or NULL for a sync resumed without it
INSERT INTO systeme_contacts AS m (contact_id, email, tags, fields, snapshot_at, synced_at)
SELECT r.contact_id, r.email, r.tags, r.fields, to_timestamp(r.snapshot_at / 1000.0), $2::timestamptz
  FROM jsonb_to_recordset($1::jsonb) AS r(contact_id bigint, email text, tags jsonb, fields jsonb, snapshot_at bigint)
ON CONFLICT (contact_id) DO UPDATE SET
  email = coalesce(EXCLUDED.email, m.email), tags = EXCLUDED.tags, fields = EXCLUDED.fields,
  snapshot_at = EXCLUDED.snapshot_at, synced_at = EXCLUDED.synced_at, updated_at = now();
