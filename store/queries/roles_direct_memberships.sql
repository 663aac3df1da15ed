-- The roles a role is a direct member of, by name.
-- $1  text: the role
SELECT DISTINCT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
 WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)
 ORDER BY 1;
