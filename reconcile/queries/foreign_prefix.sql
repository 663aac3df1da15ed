-- foreign_prefix: a tenant's prefixed tags on a contact it has no lead for, that another tenant
-- owns (subject: "<contact id>:<prefix>"). Reads contact_prefixes and contact_owners, already in
-- scope.
-- No parameters.
INSERT INTO current_findings (kind, subject, tenants, evidence, fingerprint)
  SELECT 'foreign_prefix', p.contact_id || ':' || p.prefix,
         (SELECT jsonb_agg(jsonb_build_object('tenant_id', o.tenant_id, 'lead_id', o.lead_id, 'captured_at', o.created_at)
                           ORDER BY o.created_at)
            FROM contact_owners o WHERE o.contact_id = p.contact_id)
           || jsonb_build_array(jsonb_build_object('tenant_id', t.id, 'lead_id', NULL, 'captured_at', NULL)),
         jsonb_build_object('contact_id', p.contact_id, 'email', min(p.email), 'prefix', p.prefix,
                            'foreign_tenant_id', t.id, 'tags', jsonb_agg(DISTINCT p.tag)),
         md5(string_agg(DISTINCT p.tag, ',') || '|' ||
             (SELECT string_agg(o.tenant_id::text, ',' ORDER BY o.tenant_id) FROM contact_owners o
               WHERE o.contact_id = p.contact_id))
    FROM contact_prefixes p
    JOIN tenants t ON t.prefix = p.prefix
   WHERE NOT EXISTS (SELECT 1 FROM contact_owners o WHERE o.contact_id = p.contact_id AND o.tenant_id = t.id)
     AND EXISTS (SELECT 1 FROM contact_owners o WHERE o.contact_id = p.contact_id AND o.tenant_id <> t.id)
   GROUP BY p.contact_id, p.prefix, t.id;
