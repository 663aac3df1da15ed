-- Relations and functions with the name of one of ours in another user schema (not pg_* nor
-- information_schema) that the tenant role may use, each as "<kind> <name>" (kind: table, view,
-- materialized view, foreign table, sequence or function).
-- $1  text: the tenant role
WITH ours AS (SELECT oid FROM pg_namespace WHERE nspname = current_schema()),
     usable AS (SELECT n.oid FROM pg_namespace n
                 WHERE n.nspname <> current_schema() AND has_schema_privilege($1, n.oid, 'USAGE')
                   AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema')
SELECT CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view ' WHEN 'f' THEN 'foreign table '
                      WHEN 'S' THEN 'sequence ' ELSE 'table ' END || c.oid::regclass::text
  FROM pg_class c
 WHERE c.relnamespace IN (SELECT oid FROM usable) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
   AND EXISTS (SELECT 1 FROM pg_class mine
                WHERE mine.relnamespace = (SELECT oid FROM ours) AND mine.relname = c.relname
                  AND mine.relkind IN ('r', 'p', 'v', 'm', 'f', 'S'))
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text
  FROM pg_proc p
 WHERE p.pronamespace IN (SELECT oid FROM usable)
   AND EXISTS (SELECT 1 FROM pg_proc mine WHERE mine.pronamespace = (SELECT oid FROM ours) AND mine.proname = p.proname)
 ORDER BY 1;
