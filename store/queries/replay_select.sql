-- Stored deliveries waiting for an admin that still have their body, locked for `events replay`.
-- $1  bigint: only ids after this one
-- $2  text: only this status ('' for every status but routed, no_lead and suspended)
-- $3  bigint: at most this many rows
-- Times in epoch milliseconds.
SELECT id, source, event_type, status, coalesce(rule_tenant_id::text, '') AS rule_tenant_id, body,
       (extract(epoch FROM event_at) * 1000)::bigint AS event_at,
       (extract(epoch FROM received_at) * 1000)::bigint AS received_at
FROM webhook_events
WHERE id > $1 AND status <> 'routed'
  AND (($2 = '' AND status <> 'no_lead' AND status <> 'suspended') OR status = $2)
  AND body IS NOT NULL
ORDER BY id LIMIT $3 FOR UPDATE;
