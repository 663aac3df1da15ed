-- The tenant with an id: id, name, email, prefix, created_at (ISO 8601 UTC); no row when none.
-- $1  text: the tenant's id (a UUID)
SELECT id::text, name, email, prefix, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM tenants
WHERE id = $1::uuid;
