-- Queues the sync of a lead of the bound tenant (app.tenant_id) to Systeme.io.
-- $1  text: the lead's id (a UUID)
INSERT INTO outbox_jobs (tenant_id, lead_id, kind)
VALUES (current_setting('app.tenant_id')::uuid, $1::uuid, 'sync_lead');
