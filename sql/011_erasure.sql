-- 011: erasure. A tenant erases its lead (DELETE /v1/leads/{id}); an admin erases a person
-- everywhere (`clientflow-relay erase --email`). What is left behind is a mark per erasure: an
-- HMAC-SHA256 (key: privacy.erasure_key) of the normalised email and of each Systeme.io contact
-- id, never the email itself, so a later webhook about the person does not bring a lead back.

-- One row per erasure, for admins (GET /admin/erasures): who, when, what was erased, counted.
-- Never the email, nor a contact id.
CREATE TABLE erasures (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scope       text NOT NULL CHECK (scope IN ('tenant', 'global')),
  erased_by   text NOT NULL CHECK (erased_by <> ''),
  tenant      uuid,            -- scope tenant: the tenant that erased its lead
  counts      jsonb NOT NULL DEFAULT '{}',
  erased_at   timestamptz NOT NULL DEFAULT now()
);
SELECT clientflow_system_table('erasures');

-- The marks. erased_for: the tenant that may not get the person back from a webhook alone;
-- NULL: nobody (a global erasure: deliveries about the person are stored as `erased`, without
-- body or email). A capture by a tenant (new consent) lifts that tenant's marks and the global
-- marks of the same erasure; other tenants' marks stay.
CREATE TABLE erasure_marks (
  erasure_id  bigint NOT NULL REFERENCES erasures (id),
  erased_for  uuid,
  kind        text NOT NULL CHECK (kind IN ('email', 'contact')),
  mark        bytea NOT NULL CHECK (length(mark) = 32),
  marked_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX erasure_marks_by_mark ON erasure_marks (mark);
CREATE INDEX erasure_marks_by_erasure ON erasure_marks (erasure_id);
-- The deliveries routed to a lead, found by DELETE /v1/leads/{id}'s scrub without reading the
-- whole delivery log.
CREATE INDEX webhook_events_by_lead ON webhook_events (lead_id) WHERE lead_id IS NOT NULL;
SELECT clientflow_system_table('erasure_marks');

-- Deliveries about a globally erased person, or that would have given back a lead its tenant
-- erased, are kept as `erased`: without body, email, contact id or detail.
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_status_check;
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_status_check
  CHECK (status IN ('routed', 'ambiguous', 'foreign_prefix', 'unknown_prefix', 'no_prefix', 'unsupported',
                    'malformed', 'no_lead', 'erased')) NOT VALID;
ALTER TABLE webhook_events VALIDATE CONSTRAINT webhook_events_status_check;

-- Outbox jobs about Systeme.io contacts rather than leads: erase_contact removes a tenant's
-- prefixed tags from the contact (and its owner and form fields when they are the tenant's);
-- delete_contact deletes the contact. They carry the contact id (cleared once done), never the
-- email; lead_id names the erased lead.
ALTER TABLE outbox_jobs ADD COLUMN contact_id bigint;
ALTER TABLE outbox_jobs DROP CONSTRAINT outbox_jobs_kind_check;
ALTER TABLE outbox_jobs ADD CONSTRAINT outbox_jobs_kind_check
  CHECK (kind IN ('sync_lead', 'erase_contact', 'delete_contact')) NOT VALID;
ALTER TABLE outbox_jobs VALIDATE CONSTRAINT outbox_jobs_kind_check;
ALTER TABLE outbox_jobs ADD CONSTRAINT outbox_jobs_contact_check
  CHECK (kind = 'sync_lead' OR done_at IS NOT NULL OR failed_at IS NOT NULL OR contact_id IS NOT NULL);

-- The parts of a tenant's erasure of its lead (p_tenant, p_lead) that touch admin-only tables,
-- for the tenant role: the deliveries routed to the lead keep their routing facts and lose body,
-- email and detail; the tenant's rule webhooks waiting for the person become `erased`; the marks
-- (p_email_mark, p_contact_marks: 32-byte HMACs) are kept for p_tenant; the audit row is written.
-- The caller has already deleted the lead (as the tenant, under row-level security); the tenant
-- role may call it only for the tenant its transaction is bound to. Returns the deliveries scrubbed.
CREATE FUNCTION clientflow_erase_tenant_lead(p_tenant uuid, p_lead uuid, p_email text, p_contact bigint,
                                             p_email_mark bytea, p_contact_mark bytea, p_counts jsonb)
RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  scrubbed integer;
  waiting integer;
  erasure bigint;
BEGIN
  IF current_setting('role') <> 'none' AND public.clientflow_current_tenant() IS DISTINCT FROM p_tenant THEN
    RAISE EXCEPTION 'a tenant may erase only its own leads' USING ERRCODE = '42501';
  END IF;
  UPDATE public.webhook_events SET body = NULL, email = NULL, detail = NULL
   WHERE lead_id = p_lead AND (routed_tenant_id = p_tenant OR rule_tenant_id = p_tenant);
  GET DIAGNOSTICS scrubbed = ROW_COUNT;
  UPDATE public.webhook_events SET status = 'erased', body = NULL, email = NULL, contact_id = NULL, detail = NULL
   WHERE status = 'no_lead' AND rule_tenant_id = p_tenant
     AND (email = p_email OR (p_contact IS NOT NULL AND contact_id = p_contact));
  GET DIAGNOSTICS waiting = ROW_COUNT;
  INSERT INTO public.erasures (scope, erased_by, tenant, counts)
  VALUES ('tenant', 'tenant ' || p_tenant::text, p_tenant,
          p_counts || jsonb_build_object('deliveries_scrubbed', scrubbed + waiting))
  RETURNING id INTO erasure;
  INSERT INTO public.erasure_marks (erasure_id, erased_for, kind, mark) VALUES (erasure, p_tenant, 'email', p_email_mark);
  IF p_contact_mark IS NOT NULL THEN
    INSERT INTO public.erasure_marks (erasure_id, erased_for, kind, mark) VALUES (erasure, p_tenant, 'contact', p_contact_mark);
  END IF;
  RETURN scrubbed + waiting;
END
$$;
REVOKE ALL ON FUNCTION clientflow_erase_tenant_lead(uuid, uuid, text, bigint, bytea, bytea, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clientflow_erase_tenant_lead(uuid, uuid, text, bigint, bytea, bytea, jsonb)
  TO clientflow_tenant, clientflow_system;

-- A capture by p_tenant of the person whose email marks as p_email_mark: the tenant's marks of
-- every erasure of that person and the global marks of those erasures go (new consent); other
-- tenants' marks stay. Returns the marks lifted. The tenant role may call it only for the tenant
-- its transaction is bound to.
CREATE FUNCTION clientflow_lift_erasure_marks(p_tenant uuid, p_email_mark bytea) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  lifted integer;
BEGIN
  IF current_setting('role') <> 'none' AND public.clientflow_current_tenant() IS DISTINCT FROM p_tenant THEN
    RAISE EXCEPTION 'a tenant may lift only its own marks' USING ERRCODE = '42501';
  END IF;
  DELETE FROM public.erasure_marks m
   WHERE (m.erased_for = p_tenant OR m.erased_for IS NULL)
     AND m.erasure_id IN (SELECT e.erasure_id FROM public.erasure_marks e
                           WHERE e.kind = 'email' AND e.mark = p_email_mark
                             AND (e.erased_for = p_tenant OR e.erased_for IS NULL));
  GET DIAGNOSTICS lifted = ROW_COUNT;
  RETURN lifted;
END
$$;
REVOKE ALL ON FUNCTION clientflow_lift_erasure_marks(uuid, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clientflow_lift_erasure_marks(uuid, bytea) TO clientflow_tenant, clientflow_system;
