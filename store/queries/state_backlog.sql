-- The backlog gauges, in one row: deliveries stored but not routed (ingest::unrouted_statuses():
-- everything but routed and no_lead, which routes by itself, written so that the partial index on
-- unrouted deliveries serves it), outbox jobs waiting, and the age in seconds of the oldest.
-- No parameters.
SELECT (SELECT count(*) FROM webhook_events WHERE status <> 'routed' AND status <> 'no_lead'),
       (SELECT count(*) FROM outbox_jobs WHERE done_at IS NULL AND failed_at IS NULL),
       (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM outbox_jobs
        WHERE done_at IS NULL AND failed_at IS NULL);
