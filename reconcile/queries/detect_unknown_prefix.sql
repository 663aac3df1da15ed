-- unknown_prefix: a tenant-shaped prefix no tenant owns (nor ever owned: retired ones are inert), with how many contacts carry it
-- (subject: the prefix). Counted over contact_prefixes, so an incremental run's evidence is
-- partial: it may open or reopen the finding but not rewrite its evidence.
-- $1  boolean  everyone is in scope (a full run: the evidence is complete)
INSERT INTO current_findings (kind, subject, tenants, evidence, fingerprint, partial)
  SELECT 'unknown_prefix', p.prefix, '[]',
         jsonb_build_object('prefix', p.prefix, 'contacts', count(DISTINCT p.contact_id),
                            'examples', (array_agg(DISTINCT p.email) FILTER (WHERE p.email IS NOT NULL))[1:3],
                            'last_seen', max(p.updated_at)),
         md5(count(DISTINCT p.contact_id)::text), NOT $1
    FROM contact_prefixes p
   WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.prefix = p.prefix)
     AND NOT EXISTS (SELECT 1 FROM retired_prefixes r WHERE r.prefix = p.prefix)
   GROUP BY p.prefix;
