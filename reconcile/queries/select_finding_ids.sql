-- One page of finding ids for GET /admin/findings and the report page, newest first (the id is
-- the cursor), by status and kind: the status becomes one constant list, which the partial index
-- of open findings matches, so the page is a backward index scan from the cursor.
-- $1  text    status: 'all', 'open' (open and acknowledged), or one status
-- $2  text    kind, or '' for every kind
-- $3  bigint  the cursor: only ids below it; NULL for the first page
-- $4  integer how many at most
SELECT id
  FROM findings
 WHERE status = ANY (CASE $1 WHEN 'all' THEN ARRAY['open', 'acknowledged', 'dismissed', 'resolved']
                             WHEN 'open' THEN ARRAY['open', 'acknowledged']
                             ELSE ARRAY[$1] END)
   AND ($2 = '' OR kind = $2)
   AND ($3::bigint IS NULL OR id < $3)
 ORDER BY id DESC
 LIMIT $4;
