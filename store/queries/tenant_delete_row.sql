-- The deleted tenant's own row, after tenant_delete_scrub.sql: its credentials stop working
-- (listening daemons reload, migration 007). Its prefix stays in retired_prefixes.
-- $1  text: the tenant's id (a UUID)
DELETE FROM tenants WHERE id = $1::uuid;
