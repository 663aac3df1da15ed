-- The policies on the tables of the current schema, by table and name: table, policy,
-- permissive, command (ALL, SELECT, INSERT, UPDATE or DELETE), roles (names sorted,
-- ", "-separated, PUBLIC for everyone), USING and WITH CHECK as pg_get_expr prints them (NULL
-- for none).
SELECT c.relname, p.polname, p.polpermissive,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                     WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
       (SELECT string_agg(name, ', ' ORDER BY name)
          FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r)::text END AS name
                  FROM unnest(p.polroles) AS r) AS roles),
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
  FROM pg_policy p
  JOIN pg_class c ON c.oid = p.polrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = current_schema()
 ORDER BY c.relname, p.polname;
