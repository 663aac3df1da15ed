-- The jobs waiting (neither done nor failed) and the age of the oldest in seconds (0 for none).
SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)
FROM outbox_jobs
WHERE done_at IS NULL AND failed_at IS NULL;
