-- Admins' assignments of an erased person go; others let go of the findings about to be deleted.
-- Returns the assignments deleted.
-- $1  text: the normalised email
-- $2  text: the person's contact ids (a JSON array)
-- $3  text: the ids of the findings that name the person (a JSON array)
WITH gone AS (
  DELETE FROM contact_assignments
   WHERE clientflow_email_key(email) = $1 OR contact_id = ANY (ARRAY(SELECT (jsonb_array_elements_text($2::jsonb))::bigint))
      OR clientflow_names_email(clientflow_fold_ascii_case(coalesce(note, '')), $1)
  RETURNING id),
unlinked AS (
  UPDATE contact_assignments SET finding_id = NULL
   WHERE finding_id = ANY (ARRAY(SELECT (jsonb_array_elements_text($3::jsonb))::bigint))
     AND id NOT IN (SELECT id FROM gone))
SELECT count(*) FROM gone;
