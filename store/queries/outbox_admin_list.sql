-- Outbox jobs for admins (GET /admin/outbox, `outbox list`), oldest first, a page at a time.
-- A job's state: done, discarded (given up by an admin), failed (for good, after permanent
-- errors) or pending (waiting or running).
-- $1  text: only this state ('' for every state)
-- $2  text: only this tenant's jobs (a UUID; '' for every tenant)
-- $3  bigint: only ids after this one (the cursor; 0 for the first page)
-- $4  integer: at most this many
-- Returns id, tenant_id, prefix, lead_id, email ('' when the lead is gone), state, attempts,
-- last_error, created_at, failed_at, discarded_at (ISO 8601 UTC), discarded_by.
SELECT o.id, o.tenant_id::text, coalesce(t.prefix, o.prefix, ''), o.lead_id::text, coalesce(l.email, ''), s.state, o.attempts, o.last_error,
       to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       to_char(o.failed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       to_char(o.discarded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       o.discarded_by
FROM outbox_jobs o
LEFT JOIN tenants t ON t.id = o.tenant_id  -- a contact job outlives its tenant (sql/014)
LEFT JOIN leads l ON l.tenant_id = o.tenant_id AND l.id = o.lead_id
CROSS JOIN LATERAL (
  SELECT CASE WHEN o.done_at IS NOT NULL THEN 'done'
              WHEN o.discarded_at IS NOT NULL THEN 'discarded'
              WHEN o.failed_at IS NOT NULL THEN 'failed'
              ELSE 'pending' END AS state) s
WHERE o.id > $3
  AND ($2 = '' OR o.tenant_id = NULLIF($2, '')::uuid)
  AND ($1 = '' OR s.state = $1)
ORDER BY o.id
LIMIT $4;
