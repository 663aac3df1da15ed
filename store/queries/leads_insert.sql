-- A new lead of the bound tenant (app.tenant_id), returned in the columns read_lead() reads
-- (store/leads.cpp).
-- $1  text: the caller's converted tag (<prefix>converted)
-- $2  text: email, normalised
-- $3  text: name
-- $4  text: phone, '' for none
-- $5  text: ib_type
-- $6  text: monthly_leads
-- $7  text: broker_network, '' for none
INSERT INTO leads (tenant_id, email, name, phone, ib_type, monthly_leads, broker_network)
VALUES (current_setting('app.tenant_id')::uuid, $2, $3, nullif($4, ''), $5, $6, nullif($7, ''))
RETURNING id::text, email, name, phone, ib_type, monthly_leads, broker_network, to_jsonb(tags)::text, $1 = ANY (tags),
          open_count, to_char(last_opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), systeme_contact_id,
          to_char(synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), sync_error,
          to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), (extract(epoch FROM created_at) * 1000000)::bigint,
          to_char(systeme_registered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
