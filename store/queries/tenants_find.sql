-- The tenant with an id: id, name, email, prefix, created_at (ISO 8601 UTC), state (active or suspended); no row when none.
-- $1  text: the tenant's id (a UUID)
SELECT id::text, name, email, prefix, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       CASE WHEN suspended_at IS NULL THEN 'active' ELSE 'suspended' END
FROM tenants
WHERE id = $1::uuid;
