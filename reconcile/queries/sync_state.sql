-- Where a stopped sync of the contact mirror left off: the cursor (the last contact id written,
-- NULL when no sync is under way), the pages it wrote and when it started.
-- No parameters.
SELECT sync_cursor, sync_pages, sync_started_at::text FROM reconcile_state;
