-- 017: a lift of a global erasure lasts only while its tenant holds the person.
--
-- A capture after `erase --email` lifts the global erasure for the capturing tenant (sql/015).
-- When that tenant later erases its lead (DELETE /v1/leads/{id}) or is deleted, nobody holds the
-- person on that consent any more, and the global erasure must stand again for everyone (the
-- mirror and the reconciler read it: store/queries/erase_global_marks.sql). The tenant delete
-- drops its lifts in store/queries/tenant_delete_scrub.sql; a lead's erasure drops the lifts of
-- the erasures that marked its email, here.

CREATE OR REPLACE FUNCTION clientflow_erase_tenant_lead(p_tenant uuid, p_lead uuid, p_email text, p_contact bigint,
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
  -- The tenant lets go of the person again: a global erasure it had lifted by capturing them
  -- (sql/015) stands for it once more.
  DELETE FROM public.erasure_lifts l USING public.erasure_marks m
   WHERE l.lifted_for = p_tenant AND m.erasure_id = l.erasure_id AND m.erased_for IS NULL
     AND m.kind = 'email' AND m.mark = p_email_mark;
  RETURN scrubbed + waiting;
END
$$;
