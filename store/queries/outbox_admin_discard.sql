-- Gives jobs up on purpose (`outbox discard`): they are never run again, no longer count as
-- failed (nor alert), and record who gave them up and when. One job by id (failed or still
-- pending), or every failed job of a tenant, or every failed job.
-- $1  text: job, tenant or all
-- $2  bigint: the job's id (job; else 0)
-- $3  text: the tenant's id (tenant; else '')
-- $4  text: who discards them
-- Returns the discarded jobs' tenant_id and id.
UPDATE outbox_jobs
SET discarded_at = now(), discarded_by = $4, failed_at = coalesce(failed_at, now()), leased_until = NULL
WHERE done_at IS NULL AND discarded_at IS NULL
  AND CASE $1 WHEN 'job' THEN id = $2
              WHEN 'tenant' THEN tenant_id = NULLIF($3, '')::uuid AND failed_at IS NOT NULL
              ELSE failed_at IS NOT NULL END
RETURNING tenant_id::text, id;
