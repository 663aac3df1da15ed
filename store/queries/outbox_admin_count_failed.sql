-- How many outbox jobs failed for good and were not discarded (the report page's count; the
-- clientflow_outbox_jobs{state="failed"} gauge reads the same in state_backlog.sql).
SELECT count(*) FROM outbox_jobs WHERE failed_at IS NOT NULL AND discarded_at IS NULL;
