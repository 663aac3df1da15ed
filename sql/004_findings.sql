-- 004: the reconciler's findings, reviewed by admins. One row per (kind, subject), kept across
-- runs: later runs update it, resolve it when its condition clears and reopen it when it returns;
-- a dismissed finding stays dismissed until its evidence fingerprint changes.
CREATE TABLE findings (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('shared_contact', 'foreign_prefix', 'owner_mismatch', 'unknown_prefix')),
  subject      text NOT NULL,   -- shared_contact: email; foreign_prefix: contact id:prefix; owner_mismatch: contact id; unknown_prefix: prefix
  tenants      jsonb NOT NULL DEFAULT '[]',  -- [{tenant_id, lead_id, captured_at}], first capture first
  evidence     jsonb NOT NULL DEFAULT '{}',
  fingerprint  text NOT NULL,
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'dismissed', 'resolved')),
  status_by    text,
  status_at    timestamptz,
  status_note  text,
  first_seen   timestamptz NOT NULL DEFAULT now(),
  last_seen    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, subject)
);
CREATE INDEX findings_by_status ON findings (status, kind);

-- One row: the last run's time, for the summary and incremental runs.
CREATE TABLE reconcile_state (
  singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_run_at   timestamptz,
  last_full_at  timestamptz
);
INSERT INTO reconcile_state DEFAULT VALUES;

SELECT clientflow_system_table('findings');
SELECT clientflow_system_table('reconcile_state');
