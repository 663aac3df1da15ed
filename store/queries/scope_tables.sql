-- The tables of the current schema: name, row-level security enabled, forced, whether it has a
-- tenant_id column, and whether it is part of isolation at all (row-level security, policies, or
-- any privilege of the tenant role on it or one of its columns).
-- $1  text: the tenant role
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       EXISTS (SELECT 1 FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped),
       c.relrowsecurity OR c.relforcerowsecurity
         OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
         OR (has_table_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
             OR has_any_column_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
 ORDER BY c.relname;
