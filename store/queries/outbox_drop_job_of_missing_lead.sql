-- Closes a job whose lead no longer exists: there is nothing to sync.
-- $1  text: the tenant's id (a UUID)
-- $2  bigint: the job's id
UPDATE outbox_jobs SET done_at = now(), last_error = 'lead no longer exists'
WHERE tenant_id = $1::uuid AND id = $2;
