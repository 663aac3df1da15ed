-- Gives each owner that has none a lead for the person; answers the leads created.
-- $1  text    the person's email
-- $2  bigint  the person's Systeme.io contact id, or NULL
-- $3  jsonb   array of the owning tenants' ids
INSERT INTO leads (tenant_id, email, systeme_contact_id)
SELECT x::uuid, $1, $2
  FROM jsonb_array_elements_text($3::jsonb) AS x
 WHERE NOT EXISTS (SELECT 1 FROM leads l
                    WHERE l.tenant_id = x::uuid AND (l.email = $1 OR l.systeme_contact_id = $2))
ON CONFLICT (tenant_id, email) DO NOTHING
RETURNING tenant_id::text, id::text;
