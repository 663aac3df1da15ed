-- The bound tenant's lead counts: all, created this month (UTC), converted, opened at least once.
-- $1  text: the caller's converted tag (<prefix>converted)
SELECT count(*),
       count(*) FILTER (WHERE created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
       count(*) FILTER (WHERE $1 = ANY (tags)),
       count(*) FILTER (WHERE open_count > 0)
FROM leads;
