-- Relations of user schemas (not pg_* nor information_schema) that the tenant role may reach
-- (a privilege on them or one of their columns) and no policy of ours binds: views that run with
-- their owner's rights, materialized views, foreign tables, and tables outside the current
-- schema. Returns the relation, its relkind, the current schema, and who it is open to (PUBLIC
-- or the tenant role).
-- $1  text: the tenant role
SELECT c.oid::regclass::text, c.relkind, current_schema()::text,
       CASE WHEN EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee = 0) THEN 'PUBLIC' ELSE $1 END
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
   AND (c.relkind IN ('v', 'm', 'f') OR c.relkind IN ('r', 'p') AND n.nspname <> current_schema())
   AND NOT (c.relkind = 'v' AND EXISTS (
         SELECT 1 FROM pg_options_to_table(c.reloptions) o
          WHERE CASE WHEN o.option_name = 'security_invoker' THEN o.option_value::bool ELSE false END))
   AND has_schema_privilege($1, n.oid, 'USAGE')
   AND (has_table_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
        OR has_any_column_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
 ORDER BY 1;
