-- One page of the ids of the findings about a tenant, an email or a contact, newest first (the id
-- is the cursor). A person has few findings: they are found whole through the tenant, email and
-- contact indexes first (MATERIALIZED, so the page's order cannot tempt the planner into walking
-- every finding by id), then filtered by status and kind and ordered.
-- $1  text    status: 'all', 'open' (open and acknowledged), or one status
-- $2  text    kind, or '' for every kind
-- $3  text    a tenant involved (a UUID), '' for any
-- $4  text    an email in the evidence, normalised, '' for any
-- $5  bigint  a Systeme.io contact id in the evidence, NULL for any
-- $6  bigint  the cursor: only ids below it; NULL for the first page
-- $7  integer how many at most
WITH about AS MATERIALIZED (
  SELECT id, status, kind
    FROM findings
   WHERE ($3 = '' OR tenants @> jsonb_build_array(jsonb_build_object('tenant_id', $3::text)))
     AND ($4 = '' OR evidence ->> 'email' = $4 OR evidence -> 'emails' ? $4)
     AND ($5::bigint IS NULL OR evidence ->> 'contact_id' = $5::text
          OR evidence -> 'contact_ids' @> to_jsonb($5::bigint)))
SELECT id
  FROM about
 WHERE status = ANY (CASE $1 WHEN 'all' THEN ARRAY['open', 'acknowledged', 'dismissed', 'resolved']
                             WHEN 'open' THEN ARRAY['open', 'acknowledged']
                             ELSE ARRAY[$1] END)
   AND ($2 = '' OR kind = $2)
   AND ($6::bigint IS NULL OR id < $6)
 ORDER BY id DESC
 LIMIT $7;
