-- The findings' status and fingerprint before the run, for this transaction, so that the run
-- counts only the findings that really changed (count_changed_findings.sql).
-- No parameters.
CREATE TEMPORARY TABLE before_run ON COMMIT DROP AS SELECT id, status, fingerprint FROM findings;
