-- The contacts (Systeme.io contact ids) a run looks at, for this transaction. Always created; a
-- full run leaves it empty, as its statements take everyone ($1 true below).
-- No parameters.
CREATE TEMPORARY TABLE scope_contacts (contact_id bigint) ON COMMIT DROP;
