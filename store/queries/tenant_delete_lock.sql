-- The tenant about to be deleted, locked until the deletion commits: its prefix; no row when none.
-- $1  text: the tenant's id (a UUID)
SELECT prefix FROM tenants WHERE id = $1::uuid FOR UPDATE;
