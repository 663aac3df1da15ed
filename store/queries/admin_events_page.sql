-- One page of stored deliveries for GET /admin/events, newest receipt first, with the tenant it
-- concerns (routed to, or the rule token's) and the body (the tags that decided its status; NULL
-- once retention dropped it). It reads no other table: the admin's listing never waits on a lock
-- held on tenants. The last column, received_at
-- in microseconds since 1970, with the id makes the cursor. Each filter is constant for the
-- statement, so the planner keeps only those given and walks one index from the cursor.
-- $1  boolean  routed deliveries are left out (every status listed is an unrouted one)
-- $2  text     statuses as a PostgreSQL array literal ('{ambiguous,no_prefix}'), '' for every status
-- $3  text     tenant id (a UUID), '' for any
-- $4  text     email, normalised, '' for any
-- $5  bigint   Systeme.io contact id, NULL for any
-- $6  bigint   received at or after, microseconds since 1970; NULL for no bound
-- $7  bigint   received before, microseconds since 1970; NULL for no bound
-- $8  bigint   the cursor's received_at in microseconds; NULL for the first page
-- $9  bigint   the cursor's id (ignored without $8)
-- $10 integer  how many rows at most
SELECT e.id, e.event_type, e.status, coalesce(e.detail, ''), e.contact_id, coalesce(e.email, ''),
       to_char(e.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), e.source,
       coalesce(coalesce(e.routed_tenant_id, e.rule_tenant_id)::text, ''), e.body,
       (extract(epoch FROM e.received_at) * 1000000)::bigint
  FROM webhook_events e
 WHERE (NOT $1 OR e.status <> 'routed')
   AND ($2 = '' OR e.status = ANY ($2::text[]))
   AND ($3 = '' OR coalesce(e.routed_tenant_id, e.rule_tenant_id) = $3::uuid)
   AND ($4 = '' OR e.email = $4)
   AND ($5::bigint IS NULL OR e.contact_id = $5)
   AND ($6::bigint IS NULL OR e.received_at >= 'epoch'::timestamptz + $6::bigint * interval '1 microsecond')
   AND ($7::bigint IS NULL OR e.received_at < 'epoch'::timestamptz + $7::bigint * interval '1 microsecond')
   AND ($8::bigint IS NULL
        OR (e.received_at, e.id) < ('epoch'::timestamptz + $8::bigint * interval '1 microsecond', $9::bigint))
 ORDER BY e.received_at DESC, e.id DESC
 LIMIT $10;
