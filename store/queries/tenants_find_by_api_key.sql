-- The tenant whose API key has a hash: id, name, email, prefix, created_at (ISO 8601 UTC), state (active or suspended); no
-- row when none.
-- $1  text: SHA-256 of the API key, in hex
SELECT id::text, name, email, prefix, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       CASE WHEN suspended_at IS NULL THEN 'active' ELSE 'suspended' END
FROM tenants
WHERE api_key_hash = decode($1, 'hex');
