-- owner_mismatch: a contact in scope whose ib_owner_id and ib_prefix fields disagree, name no
-- tenant, or name a tenant with no lead for it (subject: the contact id).
-- $1  boolean  everyone is in scope (a full run); else the contacts in scope_contacts
INSERT INTO current_findings (kind, subject, tenants, evidence, fingerprint)
  SELECT 'owner_mismatch', c.contact_id::text,
         coalesce((SELECT jsonb_agg(jsonb_build_object('tenant_id', o.tenant_id, 'lead_id', o.lead_id, 'captured_at', o.created_at)
                                    ORDER BY o.created_at)
                     FROM contact_owners o WHERE o.contact_id = c.contact_id), '[]'),
         jsonb_build_object('contact_id', c.contact_id, 'email', c.email,
                            'ib_owner_id', c.fields->>'ib_owner_id', 'ib_prefix', c.fields->>'ib_prefix',
                            'problem', CASE
                              WHEN owner.id IS NULL AND by_prefix.id IS NULL THEN 'names no tenant'
                              WHEN owner.id IS NULL OR by_prefix.id IS NULL OR owner.id <> by_prefix.id
                                THEN 'ib_owner_id and ib_prefix disagree'
                              ELSE 'the named tenant has no lead for this contact' END),
         md5(coalesce(c.fields->>'ib_owner_id', '') || '|' || coalesce(c.fields->>'ib_prefix', '') || '|' ||
             coalesce((SELECT string_agg(o.tenant_id::text, ',' ORDER BY o.tenant_id) FROM contact_owners o
                        WHERE o.contact_id = c.contact_id), ''))
    FROM systeme_contacts c
    LEFT JOIN tenants owner ON owner.id::text = c.fields->>'ib_owner_id'
    LEFT JOIN tenants by_prefix ON by_prefix.prefix = c.fields->>'ib_prefix'
   WHERE (c.fields ? 'ib_owner_id' OR c.fields ? 'ib_prefix')
     AND ($1 OR c.contact_id = ANY (ARRAY(SELECT contact_id FROM scope_contacts)))
     AND (owner.id IS NULL OR by_prefix.id IS NULL OR owner.id <> by_prefix.id
          OR NOT EXISTS (SELECT 1 FROM contact_owners o WHERE o.contact_id = c.contact_id AND o.tenant_id = owner.id));
