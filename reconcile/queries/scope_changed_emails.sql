-- An incremental run's emails: those of the deliveries stored and the leads captured since the
-- run before the last one, and the emails of the contacts already in scope.
-- $1  bigint  the delivery id (webhook_events.id) the scope starts after
-- $2  bigint  the lead capture number (leads.capture_seq) the scope starts after
INSERT INTO scope_emails
  SELECT email FROM webhook_events WHERE id > $1 AND email IS NOT NULL
  UNION SELECT email FROM leads WHERE capture_seq > $2
  UNION SELECT email FROM systeme_contacts
         WHERE contact_id = ANY (ARRAY(SELECT contact_id FROM scope_contacts)) AND email IS NOT NULL;
