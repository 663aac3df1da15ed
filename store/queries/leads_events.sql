-- A lead's timeline, newest first, at most 200 events: kind, tag, when it occurred (its receipt
-- when unknown) and when it was received, as ISO 8601 UTC text, and the reason a conversion
-- entry names (NULL for others).
-- $1  text: the lead's id (a UUID)
SELECT kind, tag,
       to_char(coalesce(occurred_at, received_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), reason
FROM lead_events
WHERE lead_id = $1::uuid
ORDER BY coalesce(occurred_at, received_at) DESC, id DESC
LIMIT 200;
