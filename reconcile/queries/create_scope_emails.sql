-- The emails a run looks at, for this transaction. Always created; a full run leaves it empty,
-- as its statements take everyone.
-- No parameters.
CREATE TEMPORARY TABLE scope_emails (email text) ON COMMIT DROP;
