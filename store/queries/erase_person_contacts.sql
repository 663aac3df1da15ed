-- The Systeme.io contact ids a person (normalised email) is known by: on leads (set by our own
-- sync or by signed deliveries), on their sync jobs (a sync that wrote to the contact, then
-- failed), in the mirror and on signed deliveries. Never from a rule
-- webhook: its sender is unsigned and may tie any contact id to any email (sql/016). One row: a
-- JSON array.
-- $1  text: the normalised email (Email::normalize; stored emails are compared by the same
--     normalisation, sql/015 clientflow_email_key)
SELECT coalesce(json_agg(DISTINCT id), '[]') FROM (
  SELECT systeme_contact_id AS id FROM leads WHERE clientflow_email_key(email) = $1 AND systeme_contact_id IS NOT NULL
  UNION SELECT o.contact_id FROM outbox_jobs o JOIN leads l ON l.tenant_id = o.tenant_id AND l.id = o.lead_id
   WHERE o.kind = 'sync_lead' AND o.contact_id IS NOT NULL AND clientflow_email_key(l.email) = $1
  UNION SELECT contact_id FROM systeme_contacts WHERE clientflow_email_key(email) = $1
  UNION SELECT contact_id FROM webhook_events
   WHERE source = 'account' AND clientflow_email_key(email) = $1 AND contact_id IS NOT NULL) AS ids;
