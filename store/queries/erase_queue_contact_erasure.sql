-- Queues the erase_contact job that takes a tenant's prefixed tags and owner fields off a
-- Systeme.io contact (`erase --email` without --systeme-contact: the contact itself stays).
-- $1  text: the tenant that held the person   $2  text: its erased lead's id   $3  bigint: the contact id
INSERT INTO outbox_jobs (tenant_id, lead_id, kind, contact_id) VALUES ($1::uuid, $2::uuid, 'erase_contact', $3);
