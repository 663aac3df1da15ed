-- Requeues failed jobs (`outbox retry`): they run again at once, with their attempts counted
-- afresh. One job by id (even one an admin discarded), or every failed job of a tenant, or every
-- failed job; discarded ones only when named by id.
-- $1  text: job, tenant or all
-- $2  bigint: the job's id (job; else 0)
-- $3  text: the tenant's id (tenant; else '')
-- Returns the requeued jobs' tenant_id and id.
UPDATE outbox_jobs
SET failed_at = NULL, discarded_at = NULL, discarded_by = NULL, attempts = 0, run_after = now(), leased_until = NULL
WHERE done_at IS NULL AND failed_at IS NOT NULL
  AND CASE $1 WHEN 'job' THEN id = $2
              WHEN 'tenant' THEN tenant_id = NULLIF($3, '')::uuid AND discarded_at IS NULL
              ELSE discarded_at IS NULL END
RETURNING tenant_id::text, id;
