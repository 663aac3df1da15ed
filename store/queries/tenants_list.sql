-- Every tenant, oldest first: id, name, email, prefix, created_at (ISO 8601 UTC), state (active or suspended).
SELECT id::text, name, email, prefix, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       CASE WHEN suspended_at IS NULL THEN 'active' ELSE 'suspended' END
FROM tenants
ORDER BY created_at, id;
