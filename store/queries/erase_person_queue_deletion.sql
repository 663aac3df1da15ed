-- Queues the deletion of a Systeme.io contact, carried by the tenant of an erased lead.
-- $1  text: the tenant's id   $2  text: the erased lead's id   $3  bigint: the contact id
INSERT INTO outbox_jobs (tenant_id, lead_id, kind, contact_id) VALUES ($1::uuid, $2::uuid, 'delete_contact', $3);
