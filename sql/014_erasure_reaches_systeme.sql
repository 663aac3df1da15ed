-- 014: erasure reaches Systeme.io in every case. The contact jobs (erase_contact, delete_contact,
-- migration 011) are a legal duty, not a tenant's service: they outlive the tenant that queued
-- them (`tenant delete` keeps them), and an admin's erasure of a person no tenant holds queues
-- them under the relay's own id (the nil UUID), which names no tenant.
--
-- So outbox_jobs and outbox_turns no longer reference tenants: a sync_lead job of a tenant that
-- is gone finds no lead and closes (store/outbox.cpp); a contact job keeps the prefix it works for.

ALTER TABLE outbox_jobs DROP CONSTRAINT outbox_jobs_tenant_id_fkey;
ALTER TABLE outbox_turns DROP CONSTRAINT outbox_turns_tenant_id_fkey;

-- erase_contact: the prefix whose tags it takes off, set when its tenant is deleted (NULL: the
-- tenant's current prefix).
ALTER TABLE outbox_jobs ADD COLUMN prefix text;
