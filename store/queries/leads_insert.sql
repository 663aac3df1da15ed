-- A new lead of the bound tenant (app.tenant_id), returned in the columns read_lead() reads
-- (store/leads.cpp).
-- $1  text: email, normalised
-- $2  text: name
-- $3  text: phone, '' for none
-- $4  text: ib_type
-- $5  text: monthly_leads
-- $6  text: broker_network, '' for none
INSERT INTO leads (tenant_id, email, name, phone, ib_type, monthly_leads, broker_network)
VALUES (current_setting('app.tenant_id')::uuid, $1, $2, nullif($3, ''), $4, $5, nullif($6, ''))
RETURNING id::text, email, name, phone, ib_type, monthly_leads, broker_network, to_jsonb(tags)::text, converted_by IS NOT NULL,
          open_count, to_char(last_opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), systeme_contact_id,
          to_char(synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), sync_error,
          to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), (extract(epoch FROM created_at) * 1000000)::bigint,
          to_char(converted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), converted_by,
          to_char(systeme_registered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
