-- Which tenants have a lead for each contact of interest (by contact id or email), for this
-- transaction. Two disjoint joins, not one with OR: an OR join cannot use hashing and crawls at
-- scale.
-- No parameters.
CREATE TEMPORARY TABLE contact_owners ON COMMIT DROP AS
  SELECT c.contact_id, l.tenant_id, l.id AS lead_id, l.created_at
    FROM contacts_of_interest i JOIN systeme_contacts c USING (contact_id)
    JOIN leads l ON l.systeme_contact_id = c.contact_id
  UNION ALL
  SELECT c.contact_id, l.tenant_id, l.id AS lead_id, l.created_at
    FROM contacts_of_interest i JOIN systeme_contacts c USING (contact_id)
    JOIN leads l ON l.email = c.email
   WHERE l.systeme_contact_id IS DISTINCT FROM c.contact_id;
