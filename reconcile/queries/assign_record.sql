-- Records who owns a person from now on (one assignment per person: the caller deletes any
-- earlier one for this email or contact id first).
-- $1  text    the person's email, or NULL
-- $2  bigint  the person's Systeme.io contact id, or NULL
-- $3  bigint  the finding assigned
-- $4  text    who assigned it
-- $5  text    the note, or ''
-- $6  jsonb   array of the owning tenants' ids
INSERT INTO contact_assignments (email, contact_id, tenant_ids, finding_id, assigned_by, note)
SELECT $1, $2, array_agg(x::uuid), $3, $4, nullif($5, '')
  FROM jsonb_array_elements_text($6::jsonb) AS x;
