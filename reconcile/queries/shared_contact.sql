-- shared_contact: one person is a lead of several tenants, found by email (subject: the email)
-- and by Systeme.io contact id (subject: "contact:<id>"), among the people in scope.
-- $1  boolean  everyone is in scope (a full run); else the people in scope_emails and scope_contacts
INSERT INTO current_findings (kind, subject, tenants, evidence, fingerprint)
  SELECT 'shared_contact', l.email,
         jsonb_agg(jsonb_build_object('tenant_id', l.tenant_id, 'lead_id', l.id, 'captured_at', l.created_at)
                   ORDER BY l.created_at, l.tenant_id),
         jsonb_build_object('email', l.email,
                            'contact_ids', coalesce(jsonb_agg(DISTINCT l.systeme_contact_id)
                                                    FILTER (WHERE l.systeme_contact_id IS NOT NULL), '[]')),
         md5(string_agg(l.tenant_id::text || '/' || l.id::text, ',' ORDER BY l.tenant_id, l.id))
    FROM leads l
   -- (tenant_id, email) is unique, so two rows for an email are two tenants.
   WHERE l.email IN (SELECT email FROM leads
                      WHERE ($1 OR email = ANY (ARRAY(SELECT email FROM scope_emails)))
                      GROUP BY email HAVING count(*) > 1)
   GROUP BY l.email
  -- Not when an admin assigned the person to all of these tenants.
  HAVING NOT EXISTS (SELECT 1 FROM contact_assignments a
                      WHERE a.email = l.email AND a.tenant_ids @> array_agg(l.tenant_id))
  UNION ALL
  SELECT 'shared_contact', 'contact:' || l.systeme_contact_id,
         jsonb_agg(jsonb_build_object('tenant_id', l.tenant_id, 'lead_id', l.id, 'captured_at', l.created_at)
                   ORDER BY l.created_at, l.tenant_id),
         jsonb_build_object('contact_id', l.systeme_contact_id, 'emails', jsonb_agg(DISTINCT l.email)),
         md5(string_agg(l.tenant_id::text || '/' || l.id::text, ',' ORDER BY l.tenant_id, l.id))
    FROM leads l
   WHERE l.systeme_contact_id IN (
           SELECT systeme_contact_id FROM leads
            WHERE systeme_contact_id IN (
                    SELECT systeme_contact_id FROM leads
                     WHERE systeme_contact_id IS NOT NULL
                       AND ($1 OR systeme_contact_id = ANY (ARRAY(SELECT contact_id FROM scope_contacts)))
                     GROUP BY 1 HAVING count(*) > 1)
            GROUP BY 1 HAVING count(DISTINCT tenant_id) > 1 AND count(DISTINCT email) > 1)
   GROUP BY l.systeme_contact_id;
