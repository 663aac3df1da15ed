-- A function of the current schema as the isolation check compares it: whether it is SECURITY
-- DEFINER, the SHA-256 of its body (prosrc) in hex, its settings ("; "-separated, '' for none);
-- no row when it is missing.
-- $1  text: its name
-- $2  text: its argument types, as oidvectortypes() prints them
SELECT p.prosecdef, encode(sha256(convert_to(p.prosrc, 'UTF8')), 'hex'),
       coalesce(array_to_string(p.proconfig, '; '), '')
  FROM pg_proc p
 WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
   AND p.proname = $1 AND oidvectortypes(p.proargtypes) = $2;
