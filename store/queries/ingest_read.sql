-- Everything ingest planning reads for a batch (ingest::BatchSnapshot), after the batch's people
-- are locked (lock_people.sql). Every parameter is a jsonb array:
-- $1  dedup keys of the account deliveries
-- $2  hex SHA-256 of the rule tokens
-- $3  emails the deliveries are about
-- $4  Systeme.io contact ids they are about
-- $5  tenant prefixes on their tags
-- $6  tenant ids (uuid) their ib_owner_id fields and stored rule deliveries name
-- $7  emails to read admins' assignments for ([] when no contact or sale event needs them)
-- $8  contact ids to read assignments for (idem)
-- $9  contact ids whose mirrored tags name their owners (contact and sale events without tags)
-- $10 erasure marks of the emails and contact ids (hex HMAC-SHA256, store/erasure.h)
-- One row of JSON arrays of objects: stored_dedup_keys (text), rule_token_tenants
-- {rule_token_hash, tenant_id}, mirrors {contact_id, email, tags, fields, snapshot_at},
-- tenants {id, prefix, suspended}, retired (prefixes of deleted tenants among $5), assignments
-- {email, contact_id, tenant_ids}, leads {tenant_id, id, email, systeme_contact_id, tags, tag_clock,
-- open_count, last_opened_at}, erasure_marks {mark (hex), erased_for (null: everywhere), lifted_for (the
-- tenants that captured the person since a global erasure: sql/015)}; times in
-- epoch milliseconds.
WITH m AS (
  SELECT contact_id, coalesce(email, '') AS email, tags, fields,
         (extract(epoch FROM snapshot_at) * 1000)::bigint AS snapshot_at
  FROM systeme_contacts
  WHERE contact_id = ANY (ARRAY(SELECT (jsonb_array_elements_text($4::jsonb))::bigint))),
a AS (
  SELECT coalesce(email, '') AS email, contact_id, tenant_ids
  FROM contact_assignments
  WHERE email = ANY (ARRAY(SELECT jsonb_array_elements_text($7::jsonb)))
     OR contact_id = ANY (ARRAY(SELECT (jsonb_array_elements_text($8::jsonb))::bigint)))
SELECT
  (SELECT coalesce(json_agg(dedup_key), '[]') FROM webhook_events
   WHERE dedup_key = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))) AS stored_dedup_keys,
  (SELECT coalesce(json_agg(json_build_object('rule_token_hash', encode(rule_token_hash, 'hex'), 'tenant_id', id)), '[]')
   FROM tenants
   WHERE rule_token_hash = ANY (ARRAY(SELECT decode(jsonb_array_elements_text($2::jsonb), 'hex')))) AS rule_token_tenants,
  (SELECT coalesce(json_agg(json_build_object('contact_id', contact_id, 'email', email, 'tags', tags,
                                              'fields', fields, 'snapshot_at', snapshot_at)), '[]')
   FROM m) AS mirrors,
  (SELECT coalesce(json_agg(json_build_object('id', id, 'prefix', prefix, 'suspended', suspended_at IS NOT NULL)), '[]')
   FROM tenants
   WHERE prefix = ANY (ARRAY(SELECT jsonb_array_elements_text($5::jsonb)
                             UNION ALL
                             SELECT substring(lower(t) FROM '^ib-[a-z0-9]{3,32}-')
                             FROM m, jsonb_array_elements_text(m.tags) AS t
                             WHERE m.contact_id = ANY (ARRAY(SELECT (jsonb_array_elements_text($9::jsonb))::bigint))))
      OR id = ANY (ARRAY(SELECT (jsonb_array_elements_text($6::jsonb))::uuid UNION ALL SELECT unnest(tenant_ids) FROM a))
      OR rule_token_hash = ANY (ARRAY(SELECT decode(jsonb_array_elements_text($2::jsonb), 'hex')))) AS tenants,
  (SELECT coalesce(json_agg(prefix), '[]') FROM retired_prefixes
   WHERE prefix = ANY (ARRAY(SELECT jsonb_array_elements_text($5::jsonb)))) AS retired,
  (SELECT coalesce(json_agg(json_build_object('email', email, 'contact_id', contact_id, 'tenant_ids', tenant_ids)), '[]')
   FROM a) AS assignments,
  (SELECT coalesce(json_agg(json_build_object('tenant_id', tenant_id, 'id', id, 'email', email,
                                              'systeme_contact_id', systeme_contact_id, 'tags', tags,
                                              'tag_clock', tag_clock, 'open_count', open_count,
                                              'last_opened_at', (extract(epoch FROM last_opened_at) * 1000)::bigint)), '[]')
   FROM leads
   WHERE email = ANY (ARRAY(SELECT jsonb_array_elements_text($3::jsonb)))
      OR systeme_contact_id = ANY (ARRAY(SELECT (jsonb_array_elements_text($4::jsonb))::bigint))) AS leads,
  (SELECT coalesce(json_agg(json_build_object(
            'mark', encode(mark, 'hex'), 'erased_for', erased_for,
            'lifted_for', (SELECT coalesce(json_agg(l.lifted_for), '[]') FROM erasure_lifts l
                            WHERE l.erasure_id = erasure_marks.erasure_id))), '[]')
   FROM erasure_marks
   WHERE mark = ANY (ARRAY(SELECT decode(jsonb_array_elements_text($10::jsonb), 'hex')))) AS erasure_marks;
