-- 003: what the tenant API and the relay to Systeme.io need: the outbox of sync jobs and the one
-- cross-tenant question a tenant may ask (does another IB already have this email?).

CREATE TABLE outbox_jobs (
  tenant_id     uuid NOT NULL REFERENCES tenants (id),
  id            bigint GENERATED ALWAYS AS IDENTITY,
  lead_id       uuid NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('sync_lead')),
  attempts      integer NOT NULL DEFAULT 0,
  run_after     timestamptz NOT NULL DEFAULT now(),
  leased_until  timestamptz,
  leased_by     text,
  last_error    text,
  done_at       timestamptz,
  failed_at     timestamptz,   -- gave up after a permanent error: left for admins
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX outbox_jobs_due ON outbox_jobs (run_after) WHERE done_at IS NULL AND failed_at IS NULL;
SELECT clientflow_isolate_tenant_table('outbox_jobs');

-- True when a tenant other than the one bound to this transaction has a lead with this email.
-- It answers only yes or no, so the tenant role may ask it (leads.duplicate_policy: reject)
-- without seeing other tenants' rows.
CREATE FUNCTION clientflow_lead_exists_elsewhere(lead_email text) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT EXISTS (SELECT 1 FROM public.leads
                        WHERE email = lead_email AND tenant_id <> public.clientflow_current_tenant()) $$;
REVOKE ALL ON FUNCTION clientflow_lead_exists_elsewhere(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clientflow_lead_exists_elsewhere(text) TO clientflow_tenant;
