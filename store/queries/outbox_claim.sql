-- Tenants in turn, then that tenant's oldest due job. `waiting` lists the tenants with waiting
-- jobs by a skip scan of outbox_jobs_waiting_by_tenant (one index probe per tenant, however many
-- jobs wait); `in_turn` orders them, the one served longest ago (or never) first, materialized so
-- that the nested loop below walks it in that order and stops at the first tenant with a due job
-- nobody holds: only that one row is locked (SKIP LOCKED: another daemon's claim in flight is
-- passed over). A suspended tenant's syncs wait (migration 012); its contact jobs (erase_contact,
-- delete_contact) still run: erasure is a legal duty, not a service the tenant pays for. The
-- chosen tenant's turn is recorded in the same statement.
-- $1  text: the worker claiming (who holds the lease)
-- $2  integer: the lease, in seconds
-- Returns the claimed job's tenant_id, id, attempts (this one counted), lead_id, kind and
-- contact_id; no row when no job is due.
WITH RECURSIVE waiting (tenant_id) AS (
  (SELECT tenant_id FROM outbox_jobs WHERE done_at IS NULL AND failed_at IS NULL ORDER BY tenant_id LIMIT 1)
  UNION ALL
  SELECT (SELECT o.tenant_id FROM outbox_jobs o
           WHERE o.done_at IS NULL AND o.failed_at IS NULL AND o.tenant_id > w.tenant_id
           ORDER BY o.tenant_id LIMIT 1)
    FROM waiting w WHERE w.tenant_id IS NOT NULL
),
in_turn AS MATERIALIZED (
  SELECT w.tenant_id,
         EXISTS (SELECT 1 FROM tenants s WHERE s.id = w.tenant_id AND s.suspended_at IS NOT NULL) AS suspended
    FROM waiting w LEFT JOIN outbox_turns t ON t.tenant_id = w.tenant_id
   WHERE w.tenant_id IS NOT NULL
   ORDER BY t.served_at NULLS FIRST, w.tenant_id
),
next AS (
  SELECT j.tenant_id, j.id FROM in_turn w
   CROSS JOIN LATERAL (
     SELECT o.tenant_id, o.id FROM outbox_jobs o
      WHERE o.tenant_id = w.tenant_id AND o.done_at IS NULL AND o.failed_at IS NULL AND o.run_after <= now()
        AND (o.leased_until IS NULL OR o.leased_until < now())
        AND (o.kind <> 'sync_lead' OR NOT w.suspended)
      ORDER BY o.run_after, o.id LIMIT 1 FOR UPDATE SKIP LOCKED) j
   LIMIT 1
),
turn AS (
  INSERT INTO outbox_turns (tenant_id, served_at) SELECT tenant_id, clock_timestamp() FROM next
  ON CONFLICT (tenant_id) DO UPDATE SET served_at = excluded.served_at
)
UPDATE outbox_jobs o SET leased_until = now() + make_interval(secs => $2), leased_by = $1, attempts = o.attempts + 1
  FROM next WHERE o.tenant_id = next.tenant_id AND o.id = next.id
RETURNING o.tenant_id::text, o.id, o.attempts, o.lead_id::text, o.kind, o.contact_id;
