-- Deletes a person's leads in every tenant, with their timelines and outbox jobs. Returns one
-- row: the leads deleted as a JSON array of {tenant_id, lead_id, contact_id}, then the timeline
-- entries and the jobs deleted.
-- $1  text: the normalised email
-- $2  text: the person's contact ids (a JSON array)
WITH gone AS (
  DELETE FROM leads
   WHERE clientflow_email_key(email) = $1 OR systeme_contact_id = ANY (ARRAY(SELECT (jsonb_array_elements_text($2::jsonb))::bigint))
  RETURNING tenant_id, id, systeme_contact_id, capture_seq),
timeline AS (
  DELETE FROM lead_events e USING gone WHERE e.tenant_id = gone.tenant_id AND e.lead_id = gone.id RETURNING 1),
jobs AS (
  DELETE FROM outbox_jobs o USING gone WHERE o.tenant_id = gone.tenant_id AND o.lead_id = gone.id
  RETURNING o.tenant_id, o.lead_id, o.kind, o.contact_id)
SELECT (SELECT coalesce(json_agg(json_build_object(
                 'tenant_id', tenant_id, 'lead_id', id,
                 -- a sync that wrote to the contact and then failed kept its id on the job
                 'contact_id', coalesce(systeme_contact_id,
                                        (SELECT max(j.contact_id) FROM jobs j
                                          WHERE j.tenant_id = gone.tenant_id AND j.lead_id = gone.id AND j.kind = 'sync_lead')))
                 ORDER BY capture_seq), '[]') FROM gone),
       (SELECT count(*) FROM timeline), (SELECT count(*) FROM jobs);
