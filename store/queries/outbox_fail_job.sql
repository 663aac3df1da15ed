-- Closes a job as failed for good, if the worker still holds it.
-- $1  text: the tenant's id (a UUID)
-- $2  bigint: the job's id
-- $3  text: the worker that claimed it
-- $4  text: what went wrong
-- $5  bigint: the contact the sync wrote to before it failed (0: none yet), kept on the job
UPDATE outbox_jobs SET failed_at = now(), leased_until = NULL, last_error = $4,
                       contact_id = coalesce(nullif($5, 0), contact_id)
WHERE tenant_id = $1::uuid AND id = $2 AND leased_by = $3;
