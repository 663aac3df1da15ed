-- Which of the given marks are global erasure marks (a person erased everywhere) that no tenant
-- has lifted by capturing the person since (sql/015).
-- $1  text: hex marks (a JSON array)
SELECT DISTINCT encode(mark, 'hex') FROM erasure_marks
WHERE erased_for IS NULL AND mark = ANY (ARRAY(SELECT decode(jsonb_array_elements_text($1::jsonb), 'hex')))
  AND NOT EXISTS (SELECT 1 FROM erasure_lifts l WHERE l.erasure_id = erasure_marks.erasure_id);
