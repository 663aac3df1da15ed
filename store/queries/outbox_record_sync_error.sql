-- Records why a lead's last sync attempt failed.
-- $1  text: the tenant's id (a UUID)
-- $2  text: the lead's id (a UUID)
-- $3  text: what went wrong
UPDATE leads SET sync_error = $3 WHERE tenant_id = $1::uuid AND id = $2::uuid;
