-- 006: what rule webhooks may do, and times that cannot be forged into the future.
--
-- A rule webhook (unsigned; its token proves only which tenant's workflow claims to speak) may
-- only add to that tenant's existing lead for the person. One that finds no lead is kept as
-- `no_lead`, and routes by itself when its tenant gets the lead within 7 days.

ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_status_check;
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_status_check
  CHECK (status IN ('routed', 'ambiguous', 'foreign_prefix', 'unknown_prefix', 'no_prefix', 'unsupported',
                    'malformed', 'no_lead')) NOT VALID;
ALTER TABLE webhook_events VALIDATE CONSTRAINT webhook_events_status_check;

-- The rule webhooks waiting for their tenant's lead, found by person when a lead is created.
CREATE INDEX webhook_events_waiting_by_email ON webhook_events (rule_tenant_id, email)
  WHERE status = 'no_lead';
CREATE INDEX webhook_events_waiting_by_contact ON webhook_events (rule_tenant_id, contact_id)
  WHERE status = 'no_lead';

-- Routes the tenant's no_lead rule webhooks of the last 7 days about the person of lead
-- (p_tenant, p_lead) (same email, or same Systeme.io contact id) to that lead, as ingest would
-- have: a timeline entry each (ordered by receipt), and for email-opened the open count. Called in
-- the transaction that created the lead (ingest, capture, assignment), which holds the person's
-- lock. Returns how many it routed. The tenant role may call it only for the tenant its
-- transaction is bound to.
CREATE FUNCTION clientflow_route_waiting_rule_deliveries(p_tenant uuid, p_lead uuid) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  lead_email text;
  lead_contact bigint;
  routed integer;
BEGIN
  -- A caller that took a role (the tenant role, by SET LOCAL ROLE) must be bound to p_tenant;
  -- the `role` setting keeps what SET ROLE chose inside a SECURITY DEFINER function.
  IF current_setting('role') <> 'none' AND public.clientflow_current_tenant() IS DISTINCT FROM p_tenant THEN
    RAISE EXCEPTION 'a tenant may route only its own deliveries' USING ERRCODE = '42501';
  END IF;
  SELECT email, systeme_contact_id INTO lead_email, lead_contact
    FROM public.leads WHERE tenant_id = p_tenant AND id = p_lead;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  WITH waiting AS (
    UPDATE public.webhook_events w
       SET status = 'routed', routed_tenant_id = p_tenant, lead_id = p_lead, detail = NULL
     WHERE w.status = 'no_lead' AND w.rule_tenant_id = p_tenant
       AND w.received_at > now() - interval '7 days'
       AND (w.email = lead_email OR (lead_contact IS NOT NULL AND w.contact_id = lead_contact))
    RETURNING w.id, w.event_type, w.received_at
  ), timeline AS (
    INSERT INTO public.lead_events (tenant_id, lead_id, kind, occurred_at, received_at, webhook_event_id)
    SELECT p_tenant, p_lead, substr(event_type, length('rule:') + 1), received_at, received_at, id FROM waiting
    RETURNING 1
  ), opens AS (
    UPDATE public.leads l
       SET open_count = l.open_count + o.opens,
           last_opened_at = greatest(l.last_opened_at, o.last_opened_at), updated_at = now()
      FROM (SELECT count(*) AS opens, max(received_at) AS last_opened_at FROM waiting
             WHERE event_type = 'rule:email-opened') AS o
     WHERE l.tenant_id = p_tenant AND l.id = p_lead AND o.opens > 0
    RETURNING 1
  )
  SELECT count(*) INTO routed FROM timeline;
  RETURN routed;
END
$$;
REVOKE ALL ON FUNCTION clientflow_route_waiting_rule_deliveries(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clientflow_route_waiting_rule_deliveries(uuid, uuid) TO clientflow_tenant, clientflow_system;

-- Times written before this migration that lie in the future (an unsigned rule webhook's
-- created_at, or a signed one stamped far ahead) go back to when their row was last written, so
-- that later events and the API sync can overwrite them again.
UPDATE leads
   SET tag_clock = (SELECT jsonb_object_agg(key, CASE WHEN value::bigint > (extract(epoch FROM now()) * 1000)::bigint
                                                      THEN to_jsonb((extract(epoch FROM updated_at) * 1000)::bigint)
                                                      ELSE value END)
                      FROM jsonb_each(tag_clock))
 WHERE EXISTS (SELECT 1 FROM jsonb_each_text(tag_clock)
                WHERE value::bigint > (extract(epoch FROM now()) * 1000)::bigint);
UPDATE leads SET last_opened_at = updated_at WHERE last_opened_at > now();
UPDATE systeme_contacts SET snapshot_at = updated_at WHERE snapshot_at > now();

-- A complete API sync deletes the mirror rows of contacts Systeme.io no longer has: the rows it
-- saw carry its start time; the ones written by no sync since, nor by a webhook, are gone.
ALTER TABLE systeme_contacts ADD COLUMN synced_at timestamptz;
ALTER TABLE reconcile_state ADD COLUMN sync_started_at timestamptz;
