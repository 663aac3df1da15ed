-- One page of the bound tenant's leads, newest first, in the columns read_lead() reads
-- (store/leads.cpp); the column after created_at, created_at in microseconds since 1970, makes the
-- cursor.
-- $1  text: the cursor's lead id (a UUID), '' for the first page
-- $2  bigint: the cursor's created_at in microseconds since 1970 (ignored without $1)
-- $3  text: a tag the leads must carry, '' for any
-- $4  bigint: created after, in milliseconds since 1970; NULL for no bound
-- $5  bigint: created before, in milliseconds since 1970; NULL for no bound
-- $6  integer: how many rows at most
SELECT id::text, email, name, phone, ib_type, monthly_leads, broker_network, to_jsonb(tags)::text, converted_by IS NOT NULL,
       open_count, to_char(last_opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), systeme_contact_id,
       to_char(synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), sync_error,
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), (extract(epoch FROM created_at) * 1000000)::bigint,
       to_char(converted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), converted_by,
       to_char(systeme_registered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
FROM leads
WHERE ($1 = '' OR (created_at, id) < ('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $1::uuid))
  AND ($3 = '' OR $3 = ANY (tags))
  AND ($4::bigint IS NULL OR created_at > 'epoch'::timestamptz + $4::bigint * interval '1 millisecond')
  AND ($5::bigint IS NULL OR created_at < 'epoch'::timestamptz + $5::bigint * interval '1 millisecond')
ORDER BY created_at DESC, id DESC
LIMIT $6;
