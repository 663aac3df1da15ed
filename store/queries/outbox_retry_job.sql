-- Puts a job back for a later attempt, if the worker still holds it.
-- $1  text: the tenant's id (a UUID)
-- $2  bigint: the job's id
-- $3  text: the worker that claimed it
-- $4  integer: seconds before the next attempt
-- $5  text: what went wrong
-- $6  bigint: the contact the sync wrote to before it failed (0: none yet), kept on the job
UPDATE outbox_jobs SET run_after = now() + make_interval(secs => $4), leased_until = NULL, last_error = $5,
                       contact_id = coalesce(nullif($6, 0), contact_id)
WHERE tenant_id = $1::uuid AND id = $2 AND leased_by = $3;
