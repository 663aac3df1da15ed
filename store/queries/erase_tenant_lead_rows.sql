-- Deletes a tenant's lead with its timeline and outbox jobs and, when the lead has a Systeme.io
-- contact (recorded on the lead, or on its sync job by a sync that wrote to it and then failed),
-- queues the erase_contact job that removes the tenant's tags and owner fields there,
-- due once the lease of any of the lead's jobs still running (here or in another daemon) is over:
-- a sync still writing to the contact must be done before the erasure takes things off it.
-- Runs bound to the tenant. Returns the leads, timeline entries and jobs deleted, and the jobs
-- queued.
-- $1  text: the tenant's id (a UUID)
-- $2  text: the lead's id (a UUID)
WITH timeline AS (
  DELETE FROM lead_events WHERE tenant_id = $1::uuid AND lead_id = $2::uuid RETURNING 1),
jobs AS (
  DELETE FROM outbox_jobs WHERE tenant_id = $1::uuid AND lead_id = $2::uuid RETURNING leased_until, kind, contact_id),
lead AS (
  DELETE FROM leads WHERE tenant_id = $1::uuid AND id = $2::uuid
  RETURNING coalesce(systeme_contact_id,
                     (SELECT max(contact_id) FROM jobs WHERE kind = 'sync_lead')) AS systeme_contact_id),
queued AS (
  INSERT INTO outbox_jobs (tenant_id, lead_id, kind, contact_id, run_after)
  SELECT $1::uuid, $2::uuid, 'erase_contact', systeme_contact_id, greatest(now(), (SELECT max(leased_until) FROM jobs))
    FROM lead WHERE systeme_contact_id IS NOT NULL
  RETURNING 1)
SELECT (SELECT count(*) FROM lead), (SELECT count(*) FROM timeline), (SELECT count(*) FROM jobs),
       (SELECT count(*) FROM queued);
