-- Replaces a tenant's API key hash, rule token hash or both; no row when there is no such tenant.
-- $1  text: the tenant's id (a UUID)
-- $2  text: SHA-256 of the new API key, in hex; NULL keeps the current one
-- $3  text: SHA-256 of the new rule token, in hex; NULL keeps the current one
-- Returns id, name, email, prefix, created_at (ISO 8601 UTC), state (active or suspended).
UPDATE tenants
SET api_key_hash = COALESCE(decode($2, 'hex'), api_key_hash),
    rule_token_hash = COALESCE(decode($3, 'hex'), rule_token_hash),
    keys_rotated_at = now()
WHERE id = $1::uuid
RETURNING id::text, name, email, prefix, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       CASE WHEN suspended_at IS NULL THEN 'active' ELSE 'suspended' END;
