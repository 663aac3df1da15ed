-- The reconcile benchmark's data set (bench/README.md): 10,000 tenants; 1,000,000 leads, of which
-- 20,000 people are leads of two tenants; the contact mirror with every contact's owner tags,
-- 1,000 contacts also carrying a foreign tenant's tag and 500 one of 50 unknown prefixes.
-- Rows are made directly: this measures the reconciler, not ingest. psql variable `shared` sets how
-- many people are leads of two tenants (bench/run_report.sh: 98,950, for 100,000 findings).
\if :{?shared}
\else
  \set shared 20000
\endif
INSERT INTO tenants (name, email, prefix, api_key_hash, rule_token_hash)
  SELECT 'IB ' || g, 'ib' || g || '@example.com', 'ib-t' || lpad(g::text, 6, '0') || '-',
         sha256(('k' || g)::bytea), sha256(('r' || g)::bytea)
    FROM generate_series(1, 10000) g;
CREATE TEMP TABLE numbered AS SELECT id, prefix, row_number() OVER (ORDER BY prefix) AS n FROM tenants;
INSERT INTO leads (tenant_id, email, systeme_contact_id, tags, created_at)
  SELECT t.id, 'p' || g || '@example.com', 1000000 + g, ARRAY[t.prefix || 'demo-request'],
         now() - (g % 1000) * interval '1 minute'
    FROM generate_series(1, 960000) g JOIN numbered t ON t.n = (g % 10000) + 1;
INSERT INTO leads (tenant_id, email, systeme_contact_id, tags)
  SELECT t.id, 's' || g || '@example.com', 3000000 + g, ARRAY[t.prefix || 'demo-request']
    FROM generate_series(1, :shared) g JOIN numbered t ON t.n IN ((g % 10000) + 1, ((g + 5000) % 10000) + 1);
INSERT INTO systeme_contacts (contact_id, email, tags, fields)
  SELECT l.systeme_contact_id, l.email, jsonb_agg(l.tags[1]), '{}' FROM leads l GROUP BY 1, 2;
UPDATE systeme_contacts SET tags = tags || '["ib-t000001-vip"]' WHERE contact_id BETWEEN 1000002 AND 1001001;
UPDATE systeme_contacts SET tags = tags || jsonb_build_array('ib-zz' || (contact_id % 50) || 'zz-x')
 WHERE contact_id BETWEEN 1002000 AND 1002499;
ANALYZE leads;
ANALYZE systeme_contacts;
ANALYZE tenants;
