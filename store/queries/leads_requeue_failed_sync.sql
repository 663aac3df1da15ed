-- Requeues the failed sync jobs of a lead of the bound tenant (app.tenant_id), as new: due now,
-- their attempts counted again from zero; their last error stays until a run replaces it.
-- $1  text: the lead's id (a UUID)
UPDATE outbox_jobs
SET failed_at = NULL, attempts = 0, run_after = now(), leased_until = NULL, leased_by = NULL
WHERE tenant_id = current_setting('app.tenant_id')::uuid AND lead_id = $1::uuid
  AND failed_at IS NOT NULL AND done_at IS NULL;
