-- Merges current_findings into findings: inserts the new ones; on the ones seen again, records
-- the evidence and when it was seen, and reopens them by the rule clientflow_finding_reopens
-- (sql/005_assign_incremental.sql: a resolved finding came back, or an assigned or dismissed
-- one's evidence changed), noting why and forgetting the assignment. Answers how many findings
-- it inserted and how many it updated.
-- No parameters.
WITH merged AS (
  INSERT INTO findings AS f (kind, subject, tenants, evidence, fingerprint)
  SELECT kind, subject, tenants, evidence, fingerprint FROM current_findings
  ON CONFLICT (kind, subject) DO UPDATE SET
    tenants = EXCLUDED.tenants, evidence = EXCLUDED.evidence, fingerprint = EXCLUDED.fingerprint,
    last_seen = now(),
    (status, status_by, status_at, status_note, assigned_fingerprint) = (
      SELECT CASE WHEN reopens THEN 'open' ELSE f.status END,
             CASE WHEN reopens THEN 'reconciler' ELSE f.status_by END,
             CASE WHEN reopens THEN now() ELSE f.status_at END,
             CASE WHEN NOT reopens THEN f.status_note
                  WHEN f.status = 'resolved' AND f.assigned_fingerprint IS NULL THEN 'came back'
                  ELSE 'evidence changed' END,
             CASE WHEN reopens THEN NULL ELSE f.assigned_fingerprint END
        FROM clientflow_finding_reopens(f.status, f.fingerprint, f.assigned_fingerprint,
                                        EXCLUDED.fingerprint) AS reopens)
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged;
