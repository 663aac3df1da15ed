-- Closes a job as done, if the worker still holds it; a contact job forgets its contact id.
-- $1  text: the tenant's id (a UUID)
-- $2  bigint: the job's id
-- $3  text: the worker that claimed it
UPDATE outbox_jobs SET done_at = now(), leased_until = NULL, last_error = NULL, contact_id = NULL
WHERE tenant_id = $1::uuid AND id = $2 AND leased_by = $3;
