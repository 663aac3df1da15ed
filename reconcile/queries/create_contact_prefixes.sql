-- Every tenant-shaped prefix on the tags of a mirrored contact in scope, for this transaction.
-- $1  boolean  everyone is in scope (a full run); else the contacts in scope_contacts
CREATE TEMPORARY TABLE contact_prefixes ON COMMIT DROP AS
  SELECT c.contact_id, c.email, c.updated_at,
         'ib-' || split_part(lower(t), '-', 2) || '-' AS prefix, t AS tag
    FROM systeme_contacts c, jsonb_array_elements_text(c.tags) AS t
   WHERE t ~* '^ib-[a-z0-9]{3,32}-'
     -- = ANY of an array, not IN a subquery: the planner then looks rows up by index.
     AND ($1 OR c.contact_id = ANY (ARRAY(SELECT contact_id FROM scope_contacts)));
