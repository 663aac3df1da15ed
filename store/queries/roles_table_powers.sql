-- The tables of the current schema on which a role that is no member of their owner may TRUNCATE
-- (which ignores row-level security) or create triggers: table, TRUNCATE, TRIGGER.
-- $1  text: the role
SELECT c.relname, has_table_privilege($1, c.oid, 'TRUNCATE'), has_table_privilege($1, c.oid, 'TRIGGER')
  FROM pg_class c
 WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relkind IN ('r', 'p')
   AND NOT pg_has_role($1, c.relowner, 'MEMBER')
   AND (has_table_privilege($1, c.oid, 'TRUNCATE') OR has_table_privilege($1, c.oid, 'TRIGGER'))
 ORDER BY c.relname;
