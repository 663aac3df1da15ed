-- Leads a batch created take the rule webhooks their tenant kept as no_lead for the person.
-- $1  json array of {tenant_id, lead_id} (uuid), one per lead created
SELECT clientflow_route_waiting_rule_deliveries(r.tenant_id, r.lead_id)
FROM json_to_recordset($1::json) AS r(tenant_id uuid, lead_id uuid);
