-- The leads a page of findings names, for the report page's cards side by side: who the person
-- is to each tenant (name, phone, ib_type), how it was captured (the account event that made the
-- lead, 'form' for a capture through the tenant API, '' when neither shows), when, its tags, its
-- last activity (newest timeline entry, else its capture) and whether it is converted (by any
-- reason: its tag, a sale or the API, sql/009_conversion.sql). Each lead costs two single-row probes of its timeline.
-- $1  jsonb array of {"tenant_id", "lead_id"} (the findings' `tenants` entries)
SELECT l.tenant_id::text, l.id::text, l.email, coalesce(l.name, ''), coalesce(l.phone, ''), coalesce(l.ib_type, ''),
       to_jsonb(l.tags)::text, l.converted_by IS NOT NULL,
       to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       CASE WHEN first.source = 'account' AND first.received_at <= l.created_at THEN first.event_type
            WHEN l.monthly_leads IS NOT NULL THEN 'form'
            ELSE '' END,
       to_char(coalesce(last.at, l.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
  FROM (SELECT DISTINCT (p ->> 'tenant_id')::uuid AS tenant_id, (p ->> 'lead_id')::uuid AS lead_id
          FROM jsonb_array_elements($1::jsonb) p
         WHERE p ->> 'tenant_id' IS NOT NULL AND p ->> 'lead_id' IS NOT NULL) wanted
  JOIN leads l ON l.tenant_id = wanted.tenant_id AND l.id = wanted.lead_id
  LEFT JOIN LATERAL (SELECT w.source, w.event_type, e.received_at
                       FROM lead_events e LEFT JOIN webhook_events w ON w.id = e.webhook_event_id
                      WHERE e.tenant_id = l.tenant_id AND e.lead_id = l.id
                      ORDER BY e.id LIMIT 1) first ON true
  LEFT JOIN LATERAL (SELECT coalesce(e.occurred_at, e.received_at) AS at
                       FROM lead_events e
                      WHERE e.tenant_id = l.tenant_id AND e.lead_id = l.id
                      ORDER BY e.id DESC LIMIT 1) last ON true;
