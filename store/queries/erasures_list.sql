-- The audit of erasures, newest first (GET /admin/erasures): id, scope, who, the tenant (tenant
-- scope), the counts (a JSON object) and when (ISO 8601, UTC).
-- $1  integer: how many
SELECT id, scope, erased_by, coalesce(tenant::text, ''), counts::text,
       to_char(erased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM erasures ORDER BY id DESC LIMIT $1;
