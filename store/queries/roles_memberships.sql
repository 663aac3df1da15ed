-- The roles a role is a member of, directly or through others (a member may act as any of them),
-- by name, each with the direct membership it comes through ('' for a direct one).
-- $1  text: the role
WITH RECURSIVE member_of(roleid, through) AS (
  SELECT m.roleid, NULL::oid FROM pg_auth_members m
   WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)
  UNION
  SELECT m.roleid, coalesce(p.through, p.roleid) FROM pg_auth_members m JOIN member_of p ON m.member = p.roleid
)
SELECT DISTINCT ON (g.rolname) g.rolname, coalesce(pg_get_userbyid(p.through)::text, '')
  FROM member_of p JOIN pg_roles g ON g.oid = p.roleid
 ORDER BY g.rolname, p.through IS NOT NULL, 2;
