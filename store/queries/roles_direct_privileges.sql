-- Whether a role holds privileges granted to it by name (not through its roles) on a relation, a
-- column or a function of the current schema.
-- $1  text: the role
SELECT EXISTS (SELECT 1 FROM pg_class c, aclexplode(c.relacl) a
                WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
                  AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1))
    OR EXISTS (SELECT 1 FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid, aclexplode(at.attacl) a
                WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
                  AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1))
    OR EXISTS (SELECT 1 FROM pg_proc p, aclexplode(p.proacl) a
                WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
                  AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1));
