-- Queues the sync of a lead of the bound tenant (app.tenant_id) unless one of its jobs is waiting
-- to run (neither done, failed nor leased right now): that job reads the lead when it runs. A job
-- being run now may have read the lead before this transaction changed it, so it does not count.
-- $1  text: the lead's id (a UUID)
INSERT INTO outbox_jobs (tenant_id, lead_id, kind)
SELECT current_setting('app.tenant_id')::uuid, $1::uuid, 'sync_lead'
WHERE NOT EXISTS (SELECT 1 FROM outbox_jobs
                   WHERE tenant_id = current_setting('app.tenant_id')::uuid AND lead_id = $1::uuid
                     AND done_at IS NULL AND failed_at IS NULL
                     AND (leased_until IS NULL OR leased_until < now()));
