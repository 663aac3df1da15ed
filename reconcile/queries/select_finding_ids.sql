-- One page of finding ids for GET /admin/findings and the report page, newest first (the id is
-- the cursor). Each filter is constant for the statement, so the planner keeps only those given.
-- $1  text    status: 'all', 'open' (open and acknowledged), or one status
-- $2  text    kind, or '' for every kind
-- $3  text    a tenant involved (a UUID), '' for any
-- $4  text    an email in the evidence, normalised, '' for any
-- $5  bigint  a Systeme.io contact id in the evidence, NULL for any
-- $6  bigint  the cursor: only ids below it; NULL for the first page
-- $7  integer how many at most
SELECT id
  FROM findings
 WHERE ($1 = 'all' OR ($1 = 'open' AND status IN ('open', 'acknowledged')) OR status = $1)
   AND ($2 = '' OR kind = $2)
   AND ($3 = '' OR tenants @> jsonb_build_array(jsonb_build_object('tenant_id', $3::text)))
   AND ($4 = '' OR evidence ->> 'email' = $4 OR evidence -> 'emails' ? $4)
   AND ($5::bigint IS NULL OR evidence ->> 'contact_id' = $5::text OR evidence -> 'contact_ids' @> to_jsonb($5::bigint))
   AND ($6::bigint IS NULL OR id < $6)
 ORDER BY id DESC
 LIMIT $7;
