-- Records a global erasure: the audit entry (who, counts; never the email) and its marks: global
-- ones and, for every tenant that held the person, that tenant's (so that a later capture by one
-- tenant lifts only its own and the global ones). Returns the audit entry's id.
-- $1  text: who erased
-- $2  text: the counts (a JSON object)
-- $3  text: the hex marks of the email and contact ids (a JSON array of {kind, mark})
-- $4  text: the tenants that held the person (a JSON array of UUIDs)
WITH audit AS (
  INSERT INTO erasures (scope, erased_by, counts) VALUES ('global', $1, $2::jsonb) RETURNING id),
marks AS (SELECT m->>'kind' AS kind, decode(m->>'mark', 'hex') AS mark FROM jsonb_array_elements($3::jsonb) AS m),
scopes AS (SELECT NULL::uuid AS erased_for UNION ALL SELECT DISTINCT (jsonb_array_elements_text($4::jsonb))::uuid),
kept AS (
  INSERT INTO erasure_marks (erasure_id, erased_for, kind, mark)
  SELECT audit.id, scopes.erased_for, marks.kind, marks.mark FROM audit, scopes, marks)
SELECT id FROM audit;
