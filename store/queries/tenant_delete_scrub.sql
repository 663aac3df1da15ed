-- Everything a deleted tenant leaves, erased in one statement of the deletion's transaction
-- (tenant_delete_row.sql follows): its leads, their timeline, its syncs, done jobs and turns (its
-- contact jobs not yet done stay, keeping its prefix: an erasure it owes Systeme.io outlives it,
-- migration 014); its place in admins' assignments (an assignment to it alone goes); the body, email and detail of
-- every stored delivery routed to it or sent with its rule token (their routing facts stay); its
-- findings resolve; the global erasures it lifted by capturing a person stand for it again (sql/017);
-- its prefix is retired for ever.
-- $1  text: the tenant's id (a UUID)
-- $2  text: who deletes it (recorded on the findings it resolves)
-- (Every data-modifying part runs whether or not the result names it.)
-- Returns one row: leads, timeline_rows, outbox_jobs, assignments, deliveries, findings (counts).
WITH timeline AS (
  DELETE FROM lead_events WHERE tenant_id = $1::uuid RETURNING 1
), jobs AS (
  DELETE FROM outbox_jobs WHERE tenant_id = $1::uuid AND (kind = 'sync_lead' OR done_at IS NOT NULL) RETURNING 1
), owed AS (
  UPDATE outbox_jobs SET prefix = (SELECT prefix FROM tenants WHERE id = $1::uuid)
   WHERE tenant_id = $1::uuid AND kind <> 'sync_lead' AND done_at IS NULL
  RETURNING 1
), lifts AS (
  DELETE FROM erasure_lifts WHERE lifted_for = $1::uuid RETURNING 1
), turns AS (
  DELETE FROM outbox_turns WHERE tenant_id = $1::uuid RETURNING 1
), gone_leads AS (
  DELETE FROM leads WHERE tenant_id = $1::uuid RETURNING 1
), shared_assignments AS (
  UPDATE contact_assignments SET tenant_ids = array_remove(tenant_ids, $1::uuid)
   WHERE $1::uuid = ANY (tenant_ids) AND cardinality(tenant_ids) > 1
  RETURNING 1
), own_assignments AS (
  DELETE FROM contact_assignments WHERE tenant_ids = ARRAY[$1::uuid] RETURNING 1
), deliveries AS (
  UPDATE webhook_events SET body = NULL, email = NULL, detail = NULL
   WHERE (routed_tenant_id = $1::uuid OR rule_tenant_id = $1::uuid)
     AND (body IS NOT NULL OR email IS NOT NULL OR detail IS NOT NULL)
  RETURNING 1
), resolved AS (
  UPDATE findings SET status = 'resolved', status_by = $2, status_at = now(), status_note = 'tenant deleted'
   WHERE status <> 'resolved' AND tenants @> jsonb_build_array(jsonb_build_object('tenant_id', $1::text))
  RETURNING 1
), retired AS (
  INSERT INTO retired_prefixes (prefix) SELECT prefix FROM tenants WHERE id = $1::uuid
  ON CONFLICT (prefix) DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM gone_leads), (SELECT count(*) FROM timeline), (SELECT count(*) FROM jobs),
       (SELECT count(*) FROM shared_assignments) + (SELECT count(*) FROM own_assignments),
       (SELECT count(*) FROM deliveries), (SELECT count(*) FROM resolved);
