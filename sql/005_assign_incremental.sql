-- 005: admins' assignments of contact owners, and the watermarks of incremental reconcile runs.

-- Who owns a contact from now on, as an admin decided (POST /admin/findings/{id}/assign). Ingest
-- routes the contact's contact and sale events to these tenants only.
CREATE TABLE contact_assignments (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email        text,     -- normalized; NULL when assigned by contact id only
  contact_id   bigint,
  tenant_ids   uuid[] NOT NULL CHECK (cardinality(tenant_ids) > 0),
  finding_id   bigint REFERENCES findings (id),
  assigned_by  text NOT NULL CHECK (assigned_by <> ''),
  note         text,
  assigned_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (email IS NOT NULL OR contact_id IS NOT NULL)
);
CREATE UNIQUE INDEX contact_assignments_by_email ON contact_assignments (email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX contact_assignments_by_contact ON contact_assignments (contact_id) WHERE contact_id IS NOT NULL;
SELECT clientflow_system_table('contact_assignments');

-- A finding settled by an assignment stays resolved while its evidence is what the admin saw.
ALTER TABLE findings ADD COLUMN assigned_fingerprint text;

-- Incremental runs read the deliveries stored and the leads created since the run before the
-- last one: numbers are taken in order but can commit slightly out of order, so each run reads
-- back over the window before the last run too. capture_seq is set once, on insert, so its
-- index keeps lead updates HOT.
CREATE SEQUENCE leads_capture_seq;
ALTER TABLE leads ADD COLUMN capture_seq bigint NOT NULL DEFAULT nextval('leads_capture_seq');
ALTER SEQUENCE leads_capture_seq OWNED BY leads.capture_seq;
CREATE INDEX leads_by_capture_seq ON leads (capture_seq);
GRANT USAGE ON SEQUENCE leads_capture_seq TO clientflow_tenant, clientflow_system;
ALTER TABLE reconcile_state
  ADD COLUMN event_watermark bigint NOT NULL DEFAULT 0,
  ADD COLUMN previous_event_watermark bigint NOT NULL DEFAULT 0,
  ADD COLUMN lead_watermark bigint NOT NULL DEFAULT 0,
  ADD COLUMN previous_lead_watermark bigint NOT NULL DEFAULT 0,
  ADD COLUMN tenants_seen bigint NOT NULL DEFAULT 0,
  ADD COLUMN sync_cursor text,
  ADD COLUMN sync_pages integer NOT NULL DEFAULT 0,
  ADD COLUMN last_sync_at timestamptz;

-- Whether a finding seen again by the reconciler goes back to open: a resolved one comes back
-- (unless an assignment settled it and its evidence is what the admin saw), a dismissed one
-- when its evidence changed.
CREATE FUNCTION clientflow_finding_reopens(status text, fingerprint text, assigned_fingerprint text, seen text)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE status
    WHEN 'resolved' THEN assigned_fingerprint IS NULL OR assigned_fingerprint <> seen
    WHEN 'dismissed' THEN fingerprint <> seen
    ELSE false END
$$;
