-- Removes every other trace of a person: the mirror rows; the body, email, contact id and detail
-- of every stored delivery about them (by email, contact id, erased lead, or a body or detail that
-- holds the email in any ASCII case, a body's JSON read decoded: sql/015); outbox errors and leads' sync errors naming them. Returns one row:
-- the mirror rows, deliveries, job errors and sync errors changed, then the ids of the findings
-- whose subject, tenants, evidence or note name the person (a JSON array).
-- $1  text: the normalised email (Email::normalize; sql/015 folds stored text alike)
-- $2  text: the person's contact ids (a JSON array)
-- $3  text: the erased leads' ids (a JSON array)
WITH ids AS MATERIALIZED (SELECT (jsonb_array_elements_text($2::jsonb))::bigint AS id),
mirror AS (
  DELETE FROM systeme_contacts WHERE clientflow_email_key(email) = $1 OR contact_id IN (SELECT id FROM ids) RETURNING 1),
deliveries AS (
  UPDATE webhook_events SET body = NULL, email = NULL, contact_id = NULL, detail = NULL
   WHERE clientflow_email_key(email) = $1 OR contact_id IN (SELECT id FROM ids)
      OR lead_id = ANY (ARRAY(SELECT (jsonb_array_elements_text($3::jsonb))::uuid))
      OR clientflow_names_email(clientflow_fold_ascii_case(clientflow_decoded_text(body)), $1)
      OR clientflow_names_email(clientflow_fold_ascii_case(detail), $1)
  RETURNING 1),
job_errors AS (
  UPDATE outbox_jobs SET last_error = 'erased' WHERE clientflow_names_email(clientflow_fold_ascii_case(last_error), $1) RETURNING 1),
sync_errors AS (
  UPDATE leads SET sync_error = 'erased' WHERE clientflow_names_email(clientflow_fold_ascii_case(sync_error), $1) RETURNING 1),
named AS (
  SELECT id FROM findings
   WHERE clientflow_email_key(subject) = $1 OR split_part(subject, ':', 1) IN (SELECT id::text FROM ids)
      OR clientflow_names_email(clientflow_fold_ascii_case(evidence::text), $1)
      OR clientflow_names_email(clientflow_fold_ascii_case(tenants::text), $1)
      OR clientflow_names_email(clientflow_fold_ascii_case(coalesce(status_note, '')), $1))
SELECT (SELECT count(*) FROM mirror), (SELECT count(*) FROM deliveries), (SELECT count(*) FROM job_errors),
       (SELECT count(*) FROM sync_errors), (SELECT coalesce(json_agg(id), '[]') FROM named);
