-- The newest stored deliveries with one of the given statuses, for GET /admin/events. Routed
-- deliveries are never listed, and saying so lets the partial index on them serve the scan.
-- $1  jsonb array of status names (ingest::status_name), such as ["ambiguous", "no_prefix"]
-- $2  how many to list at most
SELECT id, event_type, status, coalesce(detail, ''), contact_id, coalesce(email, ''),
       to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
FROM webhook_events
WHERE status <> 'routed'
  AND status = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))
ORDER BY received_at DESC
LIMIT $2;
