-- One page of a lead of the bound tenant (app.tenant_id): its timeline in the order received,
-- newest first, in the columns of leads_events.sql and then the entry's position in the lead's own
-- timeline (1 for its first entry), which makes the cursor. Not the entry's id: ids are shared by
-- every tenant, and their gaps would tell one tenant how busy the others are. Entries are only
-- appended (and deleted with their lead), so a position never moves. The primary key
-- (tenant_id, lead_id, id) serves the numbering; a timeline is one lead's, so it stays small.
-- $1  text: the lead's id (a UUID)
-- $2  bigint: only entries at a position below this; NULL for the first page
-- $3  integer: how many rows at most
SELECT kind, tag,
       to_char(coalesce(occurred_at, received_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), reason, position
FROM (SELECT kind, tag, occurred_at, received_at, reason, row_number() OVER (ORDER BY id) AS position
      FROM lead_events
      WHERE tenant_id = current_setting('app.tenant_id')::uuid AND lead_id = $1::uuid) numbered
WHERE $2::bigint IS NULL OR position < $2
ORDER BY position DESC
LIMIT $3;
