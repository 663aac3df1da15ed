-- The rules on tables of the current schema (their actions run with the table owner's rights):
-- table, rule.
SELECT c.relname, r.rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
 WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relkind IN ('r', 'p')
 ORDER BY 1, 2;
