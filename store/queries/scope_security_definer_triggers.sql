-- The triggers with a SECURITY DEFINER function on tables of user schemas (not pg_* nor
-- information_schema) that the tenant role may change: the function's signature, whether it is
-- in the current schema, its name, its argument types (oidvectortypes), the trigger, the table.
-- $1  text: the tenant role
SELECT p.oid::regprocedure::text, pn.nspname = current_schema(), p.proname, oidvectortypes(p.proargtypes),
       t.tgname, c.oid::regclass::text
  FROM pg_trigger t
  JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
  JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE p.prosecdef AND NOT t.tgisinternal AND has_schema_privilege($1, n.oid, 'USAGE')
   AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
   AND (has_table_privilege($1, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
        OR has_any_column_privilege($1, c.oid, 'INSERT, UPDATE'))
 ORDER BY 6, 5;
