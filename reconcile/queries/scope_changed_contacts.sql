-- An incremental run's contacts: those of the deliveries stored since the run before the last
-- one (delivery numbers can commit slightly out of order).
-- $1  bigint  the delivery id (webhook_events.id) the scope starts after
INSERT INTO scope_contacts
  SELECT DISTINCT contact_id FROM webhook_events WHERE id > $1 AND contact_id IS NOT NULL;
