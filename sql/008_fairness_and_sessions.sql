-- 008: the outbox serves tenants in turn, and admin sessions can be ended everywhere.

-- When each tenant's outbox job was last claimed. A claim goes to the tenant with a due job that
-- was served longest ago (a tenant never served first), and takes that tenant's oldest due job,
-- so one tenant's long queue cannot delay another's.
CREATE TABLE outbox_turns (
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  served_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id)
);
SELECT clientflow_isolate_tenant_table('outbox_turns');

-- Each tenant's waiting jobs in the order the tenant is served. A claim walks it twice, both
-- times by index: once to list the tenants with waiting jobs (a skip scan, one probe per
-- tenant), once to take the chosen tenant's oldest due job. It replaces the index by due time.
CREATE INDEX outbox_jobs_waiting_by_tenant ON outbox_jobs (tenant_id, run_after, id)
  WHERE done_at IS NULL AND failed_at IS NULL;
DROP INDEX outbox_jobs_due;

-- The admin sessions' generation. A session cookie names the generation it was issued in and is
-- accepted only while that is still the current one: POST /admin/session/end-all moves it on,
-- which ends every session on every daemon sharing this database. One row.
CREATE TABLE admin_session_generation (
  single      boolean PRIMARY KEY DEFAULT true CHECK (single),
  generation  bigint NOT NULL DEFAULT 1 CHECK (generation > 0),
  ended_at    timestamptz   -- when sessions were last ended everywhere
);
INSERT INTO admin_session_generation DEFAULT VALUES;
SELECT clientflow_system_table('admin_session_generation');
