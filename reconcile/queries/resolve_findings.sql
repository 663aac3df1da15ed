-- Resolves the open and acknowledged findings that are no longer there (not in
-- current_findings). An incremental run only judges what it looked at: findings about the
-- people in scope; unknown prefixes, counted over every contact, are left to full runs.
-- $1  boolean  everyone is in scope (a full run); else the people in scope_emails and scope_contacts
UPDATE findings f
   SET status = 'resolved', status_by = 'reconciler', status_at = now(), status_note = 'condition cleared'
 WHERE status IN ('open', 'acknowledged')
   AND NOT EXISTS (SELECT 1 FROM current_findings c WHERE c.kind = f.kind AND c.subject = f.subject)
   AND ($1
        OR (f.kind = 'shared_contact' AND f.subject IN (SELECT email FROM scope_emails
                                                        UNION ALL SELECT 'contact:' || contact_id FROM scope_contacts))
        OR (f.kind IN ('foreign_prefix', 'owner_mismatch')
            AND split_part(f.subject, ':', 1) IN (SELECT contact_id::text FROM scope_contacts)));
