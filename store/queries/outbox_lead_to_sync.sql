-- What the sync of a lead sends: its tenant's prefix, then the lead's email, name, phone, ib_type
-- and monthly_leads ('' for none); no row when the lead is gone.
-- $1  text: the tenant's id (a UUID)
-- $2  text: the lead's id (a UUID)
SELECT t.prefix, l.email, coalesce(l.name, ''), coalesce(l.phone, ''), coalesce(l.ib_type, ''),
       coalesce(l.monthly_leads, '')
FROM leads l JOIN tenants t ON t.id = l.tenant_id
WHERE l.tenant_id = $1::uuid AND l.id = $2::uuid;
