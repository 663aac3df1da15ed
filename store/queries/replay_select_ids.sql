-- The given stored deliveries, when not routed yet and still with their body, locked to route
-- them again (after an admin assigned a contact's owners).
-- $1  jsonb array of webhook_events ids
-- Times in epoch milliseconds.
SELECT id, source, event_type, status, coalesce(rule_tenant_id::text, '') AS rule_tenant_id, body,
       (extract(epoch FROM event_at) * 1000)::bigint AS event_at,
       (extract(epoch FROM received_at) * 1000)::bigint AS received_at
FROM webhook_events
WHERE id = ANY (ARRAY(SELECT (jsonb_array_elements_text($1::jsonb))::bigint))
  AND status <> 'routed' AND body IS NOT NULL
ORDER BY id FOR UPDATE;
