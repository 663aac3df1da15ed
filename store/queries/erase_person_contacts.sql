-- The Systeme.io contact ids a person (normalised email) is known by: on leads, in the mirror and
-- on stored deliveries. One row: a JSON array.
-- $1  text: the normalised email
SELECT coalesce(json_agg(DISTINCT id), '[]') FROM (
  SELECT systeme_contact_id AS id FROM leads WHERE lower(email) = $1 AND systeme_contact_id IS NOT NULL
  UNION SELECT contact_id FROM systeme_contacts WHERE lower(email) = $1
  UNION SELECT contact_id FROM webhook_events WHERE lower(email) = $1 AND contact_id IS NOT NULL) AS ids;
