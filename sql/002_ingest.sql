-- 002: what webhook ingest needs: per-tag event clocks on leads, routing results on deliveries,
-- the admin-only mirror of Systeme.io contacts, and the dedup window of unsigned rule webhooks.

-- tag -> event time (ms since epoch) of the last change applied, so an older event arriving
-- late cannot undo a newer one.
ALTER TABLE leads ADD COLUMN tag_clock jsonb NOT NULL DEFAULT '{}';
-- Leads and mirrored contacts are updated on most deliveries, in columns no index covers: room
-- left on each page lets PostgreSQL update them in place (HOT), without touching the indexes.
ALTER TABLE leads SET (fillfactor = 70);

ALTER TABLE webhook_events
  ADD COLUMN lead_id         uuid,           -- routed: the lead it touched
  ADD COLUMN rule_tenant_id  uuid,           -- rule webhooks: the token's tenant
  ADD COLUMN detail          text,           -- unrouted: what the router found, for admins
  ADD COLUMN replayed_at     timestamptz;    -- last time `events replay` re-routed it

-- Every tag and field of a Systeme.io contact, whoever owns them: the reconciler's input.
CREATE TABLE systeme_contacts (
  contact_id   bigint PRIMARY KEY,
  email        text,
  tags         jsonb NOT NULL DEFAULT '[]',
  fields       jsonb NOT NULL DEFAULT '{}',
  snapshot_at  timestamptz,             -- event time of the tag snapshot held
  updated_at   timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE systeme_contacts SET (fillfactor = 70);
CREATE INDEX systeme_contacts_by_email ON systeme_contacts (email);

-- How far retention has dropped raw bodies: every delivery with an id up to here has none.
-- (Walking the primary key from here costs no index on received_at per delivery.)
CREATE TABLE retention_state (
  singleton             boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  bodies_dropped_upto   bigint NOT NULL DEFAULT 0
);
INSERT INTO retention_state DEFAULT VALUES;

-- Unsigned rule webhooks carry no delivery id: an identical body for the same tenant and kind
-- within 10 minutes counts once. fingerprint = SHA-256(tenant, kind, body).
CREATE TABLE rule_deliveries_seen (
  fingerprint  bytea PRIMARY KEY,
  seen_at      timestamptz NOT NULL
);

SELECT clientflow_system_table('systeme_contacts');
SELECT clientflow_system_table('rule_deliveries_seen');
SELECT clientflow_system_table('retention_state');
