-- A sync that ended after its lead was erased (DELETE /v1/leads/{id}, `erase`, `tenant delete`
-- while the job ran) may have written the tenant's tags and owner fields back to the contact, or
-- created it: queues the erase_contact job that takes them off again. Nothing when the lead
-- stands, or when the tenant holds the person again (a new capture: its own sync writes them).
-- $1  text: the tenant's id (a UUID)
-- $2  text: the lead's id (a UUID)
-- $3  bigint: the contact the sync wrote to
-- $4  text: the lead's email, as the sync sent it
INSERT INTO outbox_jobs (tenant_id, lead_id, kind, contact_id)
SELECT $1::uuid, $2::uuid, 'erase_contact', $3
WHERE NOT EXISTS (SELECT 1 FROM leads
                   WHERE tenant_id = $1::uuid AND (id = $2::uuid OR email = $4 OR systeme_contact_id = $3));
