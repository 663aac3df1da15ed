-- A re-captured lead of the bound tenant takes the fields store/recapture.h decided, returned in
-- the columns read_lead() reads (store/leads.cpp).
-- $1  text: the lead's id (a UUID)
-- $2  text: name, '' for none
-- $3  text: phone, '' for none
-- $4  text: ib_type, '' for none
-- $5  text: monthly_leads, '' for none
-- $6  text: broker_network, '' for none
UPDATE leads
SET name = nullif($2, ''), phone = nullif($3, ''), ib_type = nullif($4, ''), monthly_leads = nullif($5, ''),
    broker_network = nullif($6, ''), updated_at = now()
WHERE id = $1::uuid
RETURNING id::text, email, name, phone, ib_type, monthly_leads, broker_network, to_jsonb(tags)::text, converted_by IS NOT NULL,
          open_count, to_char(last_opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), systeme_contact_id,
          to_char(synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), sync_error,
          to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), (extract(epoch FROM created_at) * 1000000)::bigint,
          to_char(converted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), converted_by,
          to_char(systeme_registered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
