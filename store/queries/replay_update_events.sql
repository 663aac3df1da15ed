-- Stored deliveries routed again (ingest::ReplayPlan): their new status and routing.
-- $1  json array of {id, status, routed_tenant_id, lead_id, detail}
UPDATE webhook_events w
SET status = r.status, routed_tenant_id = r.routed_tenant_id, lead_id = r.lead_id, detail = r.detail,
    replayed_at = now()
FROM json_to_recordset($1::json) AS r(id bigint, status text, routed_tenant_id uuid, lead_id uuid, detail text)
WHERE w.id = r.id;
