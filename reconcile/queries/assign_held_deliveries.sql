-- The deliveries held because of the person's finding (ambiguous or foreign_prefix), oldest first.
-- $1  text    the person's email, or NULL
-- $2  bigint  the person's Systeme.io contact id, or NULL
SELECT id FROM webhook_events
 WHERE status IN ('ambiguous', 'foreign_prefix') AND (email = $1 OR contact_id = $2)
 ORDER BY id;
