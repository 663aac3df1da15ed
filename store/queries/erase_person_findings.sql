-- Deletes the findings that name an erased person (after their assignments let go of them).
-- $1  text: the findings' ids (a JSON array)
DELETE FROM findings WHERE id = ANY (ARRAY(SELECT (jsonb_array_elements_text($1::jsonb))::bigint));
