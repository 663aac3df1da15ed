-- The objects that define the current schema or its security, each with an owner of its own,
-- with the ALTER command's kind and name: relations (indexes and sequences owned by a column
-- follow their table), functions, and domains, enums and ranges, leaving members of extensions to
-- the extension; then the schema (kind SCHEMA) and the database (kind DATABASE) themselves.
-- $1  text: a role that exists
-- Returns kind, name, the owner's name, whether current_user is a member of the owner (may act
-- for it), whether $1 is; ordered by kind and name.
SELECT kind, ident, pg_get_userbyid(owner), pg_has_role(current_user, owner, 'MEMBER'), pg_has_role($1, owner, 'MEMBER')
FROM (
  SELECT kind, ident, owner FROM (
    SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                          WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END AS kind,
           c.oid::regclass::text AS ident, c.relowner AS owner, 'pg_class'::regclass AS catalog, c.oid
      FROM pg_class c
     WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
       AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c')
       AND NOT (c.relkind = 'S' AND EXISTS (
             SELECT 1 FROM pg_depend d
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
    UNION ALL
    SELECT CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, p.oid::regprocedure::text,
           p.proowner, 'pg_proc'::regclass, p.oid
      FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype::text, t.typowner,
           'pg_type'::regclass, t.oid
      FROM pg_type t
     WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
       AND t.typtype IN ('d', 'e', 'r')
  ) o
  WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
                     WHERE d.classid = o.catalog AND d.objid = o.oid AND d.deptype = 'e')
  UNION ALL SELECT 'SCHEMA', current_schema()::text, nspowner FROM pg_namespace WHERE nspname = current_schema()
  UNION ALL SELECT 'DATABASE', current_database()::text, datdba FROM pg_database WHERE datname = current_database()
) objects
ORDER BY 1, 2;
