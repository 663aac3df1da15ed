-- Records a lead's sync: its Systeme.io contact, and the tags the capture applied joined to its
-- own, except those a webhook has already said something about (whose event time then decides,
-- as in ingest); the tags added get the current time in tag_clock.
-- $1  text: the tenant's id (a UUID)
-- $2  text: the lead's id (a UUID)
-- $3  bigint: the Systeme.io contact id
-- $4  json: array of the tags the capture applied
UPDATE leads
SET systeme_contact_id = $3, synced_at = now(), sync_error = NULL, updated_at = now(),
    tags = ARRAY(SELECT DISTINCT t
                 FROM unnest(tags || ARRAY(SELECT x FROM json_array_elements_text($4::json) x
                                           WHERE NOT tag_clock ? x)) t),
    tag_clock = tag_clock || coalesce((SELECT jsonb_object_agg(x, (extract(epoch FROM now()) * 1000)::bigint)
                                       FROM json_array_elements_text($4::json) x
                                       WHERE NOT tag_clock ? x), '{}')
WHERE tenant_id = $1::uuid AND id = $2::uuid;
