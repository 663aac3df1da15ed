-- Partial evidence (unknown_prefix.sql in an incremental run) does not overwrite what a full run
-- recorded: such findings keep their stored tenants, evidence and fingerprint.
-- No parameters.
UPDATE current_findings c SET tenants = f.tenants, evidence = f.evidence, fingerprint = f.fingerprint
  FROM findings f WHERE c.partial AND f.kind = c.kind AND f.subject = c.subject;
