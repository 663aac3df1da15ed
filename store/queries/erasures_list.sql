-- A page of the audit of erasures, newest first (GET /admin/erasures): id, scope, who, the tenant
-- (tenant scope), the counts (a JSON object) and when (ISO 8601, UTC). The id is the cursor.
-- $1  text     only this scope ('tenant' or 'global'; '' for both)
-- $2  text     only this tenant's erasures (a UUID; '' for every tenant)
-- $3  bigint   only ids below this one (the cursor; NULL for the first page)
-- $4  integer  how many rows at most
SELECT id, scope, erased_by, coalesce(tenant::text, ''), counts::text,
       to_char(erased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM erasures
WHERE ($1 = '' OR scope = $1)
  AND ($2 = '' OR tenant = NULLIF($2, '')::uuid)
  AND ($3::bigint IS NULL OR id < $3)
ORDER BY id DESC
LIMIT $4;
