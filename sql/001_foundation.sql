-- 001: roles, tenants, leads and their timeline, the webhook delivery log, row-level security.
--
-- Two roles carry the isolation rules:
--   clientflow_tenant  NOLOGIN, NOBYPASSRLS. Tenant-facing queries run as this role
--                      (SET LOCAL ROLE) with app.tenant_id set for the transaction, and see
--                      only that tenant's rows, whatever their WHERE clause says.
--   clientflow_system  NOLOGIN. System paths (ingest, outbox, reconciler, admin) run as the
--                      login role, which is a member of this one and so passes its policy.
-- Every tenant-owned table has tenant_id first in its primary key and FORCE ROW LEVEL SECURITY,
-- so the policies bind the tables' owner too.

DO $$
BEGIN
  BEGIN
    CREATE ROLE clientflow_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- made by another database
  END;
  BEGIN
    CREATE ROLE clientflow_system NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  IF NOT pg_has_role(current_user, 'clientflow_tenant', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT clientflow_tenant TO %I', current_user);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT pg_has_role(current_user, 'clientflow_system', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT clientflow_system TO %I', current_user);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END
$$;

-- The tenant bound to the current transaction, or NULL. A SET LOCAL that has ended leaves ''
-- behind rather than NULL, hence the NULLIF.
CREATE FUNCTION clientflow_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE TABLE tenants (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  email            text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  prefix           text NOT NULL UNIQUE CHECK (prefix ~ '^ib-[a-z0-9]{3,32}-$'),
  api_key_hash     bytea NOT NULL UNIQUE CHECK (length(api_key_hash) = 32),
  rule_token_hash  bytea NOT NULL UNIQUE CHECK (length(rule_token_hash) = 32),
  created_at       timestamptz NOT NULL DEFAULT now(),
  keys_rotated_at  timestamptz
);

CREATE TABLE leads (
  tenant_id           uuid NOT NULL REFERENCES tenants (id),
  id                  uuid NOT NULL DEFAULT gen_random_uuid(),
  email               text NOT NULL,
  systeme_contact_id  bigint,
  name                text,
  phone               text,
  ib_type             text,
  monthly_leads       text,
  broker_network      text,
  tags                text[] NOT NULL DEFAULT '{}',
  open_count          integer NOT NULL DEFAULT 0,
  last_opened_at      timestamptz,
  synced_at           timestamptz,
  sync_error          text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, email)
);
CREATE INDEX leads_by_email ON leads (email);
CREATE INDEX leads_by_contact ON leads (systeme_contact_id) WHERE systeme_contact_id IS NOT NULL;
CREATE INDEX leads_by_created ON leads (tenant_id, created_at DESC, id DESC);

-- A lead's timeline: tag changes, opens, clicks, sales.
CREATE TABLE lead_events (
  tenant_id         uuid NOT NULL,
  lead_id           uuid NOT NULL,
  id                bigint GENERATED ALWAYS AS IDENTITY,
  kind              text NOT NULL,
  tag               text,
  occurred_at       timestamptz,
  received_at       timestamptz NOT NULL DEFAULT now(),
  webhook_event_id  bigint,
  PRIMARY KEY (tenant_id, lead_id, id)
  -- No foreign key to leads: its check would lock the lead row on every timeline insert, the
  -- hottest write path. Only the ingest writer adds rows, for leads it holds in the same
  -- transaction; deleting a lead must delete its timeline too.
);

-- The admin-only log of received deliveries: one row per distinct delivery. Not tenant-owned:
-- a delivery may have no tenant, or get one when it is replayed.
CREATE TABLE webhook_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dedup_key    text NOT NULL UNIQUE,
  source       text NOT NULL CHECK (source IN ('account', 'rule')),
  event_type   text NOT NULL,
  status       text NOT NULL CHECK (status IN ('routed', 'ambiguous', 'foreign_prefix',
                                               'unknown_prefix', 'no_prefix', 'unsupported',
                                               'malformed')),
  routed_tenant_id uuid,         -- the owner it was routed to, if any (no foreign key: hot path)
  contact_id   bigint,
  email        text,
  event_at     timestamptz,
  received_at  timestamptz NOT NULL DEFAULT now(),
  body         bytea
);
CREATE INDEX webhook_events_unrouted ON webhook_events (received_at) WHERE status <> 'routed';

-- Row-level security. Policies name their role, so a table no policy admits stays closed.
-- Every tenant-owned table, in this migration and later ones, goes through this function.
CREATE FUNCTION clientflow_isolate_tenant_table(target regclass) RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format('CREATE POLICY tenant_isolation ON %s TO clientflow_tenant '
                 'USING (tenant_id = clientflow_current_tenant()) '
                 'WITH CHECK (tenant_id = clientflow_current_tenant())', target);
  EXECUTE format('CREATE POLICY system_all ON %s TO clientflow_system USING (true) WITH CHECK (true)', target);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO clientflow_tenant, clientflow_system', target);
END
$$;

-- Admin and system tables (no tenant access at all) go through this one.
CREATE FUNCTION clientflow_system_table(target regclass) RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format('CREATE POLICY system_all ON %s TO clientflow_system USING (true) WITH CHECK (true)', target);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO clientflow_system', target);
END
$$;

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON tenants TO clientflow_tenant
  USING (id = clientflow_current_tenant());
CREATE POLICY system_all ON tenants TO clientflow_system USING (true) WITH CHECK (true);

SELECT clientflow_isolate_tenant_table('leads');
SELECT clientflow_isolate_tenant_table('lead_events');

SELECT clientflow_system_table('webhook_events');

GRANT SELECT (id, name, email, prefix, created_at) ON tenants TO clientflow_tenant;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants TO clientflow_system;
