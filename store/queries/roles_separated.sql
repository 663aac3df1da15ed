-- Whether clientflow_owner owns a table of the current schema: separate_roles() has run.
SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
                  AND c.relkind IN ('r', 'p') AND r.rolname = 'clientflow_owner');
