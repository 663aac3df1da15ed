-- The findings as they stand now, filled by one statement per kind (shared_contact.sql ...),
-- for this transaction. partial: evidence from part of the contacts only (unknown prefixes in an
-- incremental run), which may open or reopen a finding but not rewrite its evidence.
-- No parameters.
CREATE TEMPORARY TABLE current_findings (
  kind text, subject text, tenants jsonb, evidence jsonb, fingerprint text, partial boolean DEFAULT false
) ON COMMIT DROP;
