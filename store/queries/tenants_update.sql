-- Renames a tenant or changes its contact email; no row when there is no such tenant.
-- $1  text: the tenant's id (a UUID)
-- $2  text: the new name; NULL keeps the current one
-- $3  text: the new email (normalised); NULL keeps the current one
-- Returns id, name, email, prefix, created_at (ISO 8601 UTC), state (active or suspended).
UPDATE tenants
SET name = COALESCE($2, name),
    email = COALESCE($3, email)
WHERE id = $1::uuid
RETURNING id::text, name, email, prefix, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       CASE WHEN suspended_at IS NULL THEN 'active' ELSE 'suspended' END;
