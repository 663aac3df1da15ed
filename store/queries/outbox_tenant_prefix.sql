-- The prefix a contact job works for: the one kept on the job when its tenant was deleted
-- (migration 014), else its tenant's; '' for none (the relay's own delete_contact jobs).
-- $1  text: the tenant's id (a UUID)
-- $2  bigint: the job's id
SELECT coalesce((SELECT prefix FROM outbox_jobs WHERE tenant_id = $1::uuid AND id = $2),
                (SELECT prefix FROM tenants WHERE id = $1::uuid), '');
