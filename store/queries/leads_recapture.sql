-- A re-captured lead of the bound tenant takes the fields store/recapture.h decided, returned in
-- the columns read_lead() reads (store/leads.cpp).
-- $1  text: the caller's converted tag (<prefix>converted)
-- $2  text: the lead's id (a UUID)
-- $3  text: name, '' for none
-- $4  text: phone, '' for none
-- $5  text: ib_type, '' for none
-- $6  text: monthly_leads, '' for none
-- $7  text: broker_network, '' for none
UPDATE leads
SET name = nullif($3, ''), phone = nullif($4, ''), ib_type = nullif($5, ''), monthly_leads = nullif($6, ''),
    broker_network = nullif($7, ''), updated_at = now()
WHERE id = $2::uuid
RETURNING id::text, email, name, phone, ib_type, monthly_leads, broker_network, to_jsonb(tags)::text, $1 = ANY (tags),
          open_count, to_char(last_opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), systeme_contact_id,
          to_char(synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), sync_error,
          to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), (extract(epoch FROM created_at) * 1000000)::bigint,
          to_char(systeme_registered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
