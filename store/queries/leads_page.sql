-- One page of the bound tenant's leads, newest first, in the columns read_lead() reads
-- (store/leads.cpp); the column after created_at, created_at in microseconds since 1970, makes the
-- cursor.
-- $1  text: the caller's converted tag (<prefix>converted)
-- $2  text: the cursor's lead id (a UUID), '' for the first page
-- $3  bigint: the cursor's created_at in microseconds since 1970 (ignored without $2)
-- $4  text: a tag the leads must carry, '' for any
-- $5  bigint: created after, in milliseconds since 1970; NULL for no bound
-- $6  bigint: created before, in milliseconds since 1970; NULL for no bound
-- $7  integer: how many rows at most
SELECT id::text, email, name, phone, ib_type, monthly_leads, broker_network, to_jsonb(tags)::text, $1 = ANY (tags),
       open_count, to_char(last_opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), systeme_contact_id,
       to_char(synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), sync_error,
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), (extract(epoch FROM created_at) * 1000000)::bigint,
       to_char(systeme_registered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
FROM leads
WHERE ($2 = '' OR (created_at, id) < ('epoch'::timestamptz + $3::bigint * interval '1 microsecond', $2::uuid))
  AND ($4 = '' OR $4 = ANY (tags))
  AND ($5::bigint IS NULL OR created_at > 'epoch'::timestamptz + $5::bigint * interval '1 millisecond')
  AND ($6::bigint IS NULL OR created_at < 'epoch'::timestamptz + $6::bigint * interval '1 millisecond')
ORDER BY created_at DESC, id DESC
LIMIT $7;
