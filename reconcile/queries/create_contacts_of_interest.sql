-- The contacts worth a closer look, for this transaction: those in scope carrying a tenant's tag
-- without being that tenant's lead, or carrying owner fields. Only these need their owners
-- worked out (create_contact_owners.sql).
-- $1  boolean  everyone is in scope (a full run); else the contacts in scope_contacts
CREATE TEMPORARY TABLE contacts_of_interest ON COMMIT DROP AS
  SELECT p.contact_id FROM contact_prefixes p JOIN tenants t ON t.prefix = p.prefix
   WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.tenant_id = t.id AND l.systeme_contact_id = p.contact_id)
     AND NOT EXISTS (SELECT 1 FROM leads l WHERE l.tenant_id = t.id AND l.email = p.email)
  UNION
  SELECT contact_id FROM systeme_contacts
   WHERE (fields ? 'ib_owner_id' OR fields ? 'ib_prefix')
     AND ($1 OR contact_id = ANY (ARRAY(SELECT contact_id FROM scope_contacts)));
