-- A new tenant, unless its prefix is taken or retired (a deleted tenant's: then no row).
-- $1  text: name
-- $2  text: email
-- $3  text: tag prefix
-- $4  text: SHA-256 of the API key, in hex
-- $5  text: SHA-256 of the rule token, in hex
-- Returns id, name, email, prefix, created_at (ISO 8601 UTC), state (active or suspended), as read_tenant() reads them.
INSERT INTO tenants (name, email, prefix, api_key_hash, rule_token_hash)
SELECT $1, $2, $3, decode($4, 'hex'), decode($5, 'hex')
WHERE NOT EXISTS (SELECT 1 FROM retired_prefixes WHERE prefix = $3)
ON CONFLICT (prefix) DO NOTHING
RETURNING id::text, name, email, prefix, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       CASE WHEN suspended_at IS NULL THEN 'active' ELSE 'suspended' END;
