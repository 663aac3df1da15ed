-- 012: tenants that pause or leave, and outbox jobs given up on purpose.
--
-- A suspended tenant (suspended_at set) keeps its rows: its API keys are refused (403), its rule
-- webhooks are stored as `suspended` and routed when it resumes, its outbox jobs wait. A deleted
-- tenant leaves nothing but its prefix, retired for ever: no tenant may take it again, and a tag
-- carrying it is stored as `retired_prefix`.

ALTER TABLE tenants ADD COLUMN suspended_at timestamptz;

CREATE TABLE retired_prefixes (
  prefix      text PRIMARY KEY,
  retired_at  timestamptz NOT NULL DEFAULT now()
);
SELECT clientflow_system_table('retired_prefixes');

-- Whoever inserts the tenant (the CLI's statement already skips a retired prefix), a retired
-- prefix is never issued again.
CREATE FUNCTION clientflow_refuse_retired_prefix() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM retired_prefixes WHERE prefix = NEW.prefix) THEN
    RAISE EXCEPTION 'prefix % is retired', NEW.prefix USING ERRCODE = '23505';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER tenants_prefix_not_retired
  BEFORE INSERT OR UPDATE OF prefix ON tenants
  FOR EACH ROW EXECUTE FUNCTION clientflow_refuse_retired_prefix();

-- Every status a stored delivery may have, those of 011 (erasure) included.
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_status_check;
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_status_check
  CHECK (status IN ('routed', 'ambiguous', 'foreign_prefix', 'unknown_prefix', 'no_prefix', 'unsupported',
                    'malformed', 'no_lead', 'erased', 'suspended', 'retired_prefix')) NOT VALID;
ALTER TABLE webhook_events VALIDATE CONSTRAINT webhook_events_status_check;

-- The rule webhooks kept while their tenant is suspended, routed on resume.
CREATE INDEX webhook_events_suspended ON webhook_events (rule_tenant_id, id) WHERE status = 'suspended';

-- A job an admin gave up on (`outbox discard`): it stays failed, no longer counts as failed.
ALTER TABLE outbox_jobs
  ADD COLUMN discarded_at timestamptz,
  ADD COLUMN discarded_by text;
CREATE INDEX outbox_jobs_failed ON outbox_jobs (tenant_id, id) WHERE failed_at IS NOT NULL AND discarded_at IS NULL;

-- Suspending or resuming changes what a tenant's credentials may do: listening daemons reload.
DROP TRIGGER tenants_credentials_changed ON tenants;
CREATE TRIGGER tenants_credentials_changed
  AFTER INSERT OR DELETE OR UPDATE OF api_key_hash, rule_token_hash, suspended_at ON tenants
  FOR EACH STATEMENT EXECUTE FUNCTION clientflow_notify_credentials();
