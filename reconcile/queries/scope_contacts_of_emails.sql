-- Widens an incremental run's contacts to the other identity of the same people: the mirrored
-- contacts and the leads' contact ids of the emails in scope.
-- No parameters.
INSERT INTO scope_contacts
  SELECT contact_id FROM systeme_contacts WHERE email = ANY (ARRAY(SELECT email FROM scope_emails))
  UNION SELECT systeme_contact_id FROM leads
         WHERE email = ANY (ARRAY(SELECT email FROM scope_emails)) AND systeme_contact_id IS NOT NULL
  EXCEPT SELECT contact_id FROM scope_contacts;
