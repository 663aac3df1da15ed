-- The prefix of the tenant a contact job works for.
-- $1  text: the tenant's id (a UUID)
SELECT prefix FROM tenants WHERE id = $1::uuid;
