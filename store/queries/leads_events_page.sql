-- One page of a lead of the bound tenant (app.tenant_id): its timeline in the order received,
-- newest first (the entry's id is the cursor), in the columns of leads_events.sql and then the id.
-- The primary key (tenant_id, lead_id, id) serves it from the cursor on.
-- $1  text: the lead's id (a UUID)
-- $2  bigint: only entries with an id below this; NULL for the first page
-- $3  integer: how many rows at most
SELECT kind, tag,
       to_char(coalesce(occurred_at, received_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), id
FROM lead_events
WHERE tenant_id = current_setting('app.tenant_id')::uuid AND lead_id = $1::uuid
  AND ($2::bigint IS NULL OR id < $2)
ORDER BY id DESC
LIMIT $3;
