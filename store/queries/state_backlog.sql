-- The backlog gauges, in one row: deliveries stored but not routed (ingest::unrouted_statuses():
-- everything but routed, no_lead, which routes by itself, and suspended, which routes when its
-- tenant resumes; written so that the partial index on unrouted deliveries serves it), outbox
-- jobs pending (neither done nor failed; a suspended tenant's syncs wait on purpose and are not
-- counted, its contact jobs run and are) and the age in seconds of the oldest, and outbox jobs failed for good that no admin
-- discarded.
-- No parameters.
WITH pending AS (
  SELECT o.created_at FROM outbox_jobs o
   WHERE o.done_at IS NULL AND o.failed_at IS NULL
     AND (o.kind <> 'sync_lead'
          OR NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = o.tenant_id AND t.suspended_at IS NOT NULL))
)
SELECT (SELECT count(*) FROM webhook_events WHERE status <> 'routed' AND status <> 'no_lead' AND status <> 'suspended'),
       (SELECT count(*) FROM pending),
       (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM pending),
       (SELECT count(*) FROM outbox_jobs WHERE failed_at IS NOT NULL AND discarded_at IS NULL);
