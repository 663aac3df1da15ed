-- The bound tenant's lead counts: all, created this month, converted, converted this month (by
-- converted_at), opened at least once; "this month" in the time zone $1. The caller passes only
-- a zone PostgreSQL knows (store/time_zones.h checks it in memory, without a query).
-- $1  text: an IANA time zone name, such as UTC or Europe/Paris
WITH month AS (SELECT date_trunc('month', now() AT TIME ZONE $1) AT TIME ZONE $1 AS starts)
SELECT count(l.id),
       count(*) FILTER (WHERE l.created_at >= month.starts),
       count(*) FILTER (WHERE l.converted_by IS NOT NULL),
       count(*) FILTER (WHERE l.converted_at >= month.starts),
       count(*) FILTER (WHERE l.open_count > 0)
FROM month LEFT JOIN leads l ON true
GROUP BY month.starts;
