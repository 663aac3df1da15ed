-- What the sync of a lead sends: its tenant's prefix, then the lead's email, name, phone, ib_type
-- and monthly_leads ('' for none), whether it was captured through the API (a lead made by
-- webhooks has no form data to send), and what the relay wants of its own <prefix>converted
-- ('wanted', 'unwanted' or '': sql/009_conversion.sql); no row when the lead is gone.
-- $1  text: the tenant's id (a UUID)
-- $2  text: the lead's id (a UUID)
SELECT t.prefix, l.email, coalesce(l.name, ''), coalesce(l.phone, ''), coalesce(l.ib_type, ''),
       coalesce(l.monthly_leads, ''), l.monthly_leads IS NOT NULL, coalesce(l.converted_tag_relay, '')
FROM leads l JOIN tenants t ON t.id = l.tenant_id
WHERE l.tenant_id = $1::uuid AND l.id = $2::uuid;
