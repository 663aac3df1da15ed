-- Suspends or resumes a tenant (a suspension keeps its first time); no row when there is no such
-- tenant. Listening daemons reload their credential filter (migration 012's trigger).
-- $1  text: the tenant's id (a UUID)
-- $2  boolean: true to suspend, false to resume
-- Returns id, name, email, prefix, created_at (ISO 8601 UTC), state (active or suspended).
UPDATE tenants
SET suspended_at = CASE WHEN $2::boolean THEN COALESCE(suspended_at, now()) END
WHERE id = $1::uuid
RETURNING id::text, name, email, prefix, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       CASE WHEN suspended_at IS NULL THEN 'active' ELSE 'suspended' END;
