-- What a run looked at: the mirrored contacts and the leads, all of them in a full run, else the
-- contacts in scope and the leads of the people in scope.
-- $1  boolean  everyone is in scope (a full run)
SELECT CASE WHEN $1 THEN (SELECT count(*) FROM systeme_contacts)
            ELSE (SELECT count(*) FROM scope_contacts) END,
       CASE WHEN $1 THEN (SELECT count(*) FROM leads)
            ELSE (SELECT count(*) FROM leads
                   WHERE email = ANY (ARRAY(SELECT email FROM scope_emails))
                      OR systeme_contact_id = ANY (ARRAY(SELECT contact_id FROM scope_contacts))) END;
