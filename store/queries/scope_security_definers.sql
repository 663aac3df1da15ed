-- The SECURITY DEFINER functions, in any schema, that the tenant role, or the runtime role when
-- asked, may execute: signature, whether it is in the current schema, name, argument types
-- (oidvectortypes), and who it is open to (PUBLIC, the tenant role or the runtime role).
-- $1  text: the tenant role
-- $2  text: the runtime role ($1 when there is none)
-- $3  boolean: whether to look at the runtime role
SELECT p.oid::regprocedure::text, n.nspname = current_schema(), p.proname, oidvectortypes(p.proargtypes),
       CASE WHEN p.proacl IS NULL
                 OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a
                             WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') THEN 'PUBLIC'
            WHEN has_function_privilege($1, p.oid, 'EXECUTE') AND has_schema_privilege($1, n.oid, 'USAGE') THEN $1
            ELSE $2 END
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prosecdef
   AND (has_function_privilege($1, p.oid, 'EXECUTE') AND has_schema_privilege($1, n.oid, 'USAGE')
        OR $3 AND has_function_privilege($2, p.oid, 'EXECUTE') AND has_schema_privilege($2, n.oid, 'USAGE'))
 ORDER BY 1;
