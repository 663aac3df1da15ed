-- A tenant's lead by email, in the columns read_lead() reads (store/leads.cpp); no row when the
-- bound tenant has none.
-- $1  text: the email, normalised
SELECT id::text, email, name, phone, ib_type, monthly_leads, broker_network, to_jsonb(tags)::text, converted_by IS NOT NULL,
       open_count, to_char(last_opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), systeme_contact_id,
       to_char(synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), sync_error,
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), (extract(epoch FROM created_at) * 1000000)::bigint,
       to_char(converted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), converted_by,
       to_char(systeme_registered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
FROM leads WHERE email = $1;
