-- Every tenant's credential hashes (raw bytes) and whether it is suspended: id, rule_token_hash,
-- api_key_hash, suspended.
SELECT id::text, rule_token_hash, api_key_hash, suspended_at IS NOT NULL
FROM tenants;
