-- What a tenant's erasure of its lead changes in admin-only tables (sql/011,
-- clientflow_erase_tenant_lead): deliveries scrubbed, marks kept, the audit entry.
-- $1  text: the tenant's id   $2  text: the lead's id   $3  text: the lead's email
-- $4  bigint: its contact id or null   $5  text: hex email mark   $6  text: hex contact mark or null
-- $7  text: the counts so far (a JSON object)
SELECT clientflow_erase_tenant_lead($1::uuid, $2::uuid, $3, $4::bigint, decode($5, 'hex'), decode($6, 'hex'), $7::jsonb);
