-- The bound tenant's lead counts: all, created this month, converted, converted this month (by
-- converted_at), opened at least once; "this month" in the time zone $1. The first column says
-- whether $1 is a zone PostgreSQL knows by name (IANA); when it is not, the counts are those of
-- UTC and the caller refuses them.
-- $1  text: an IANA time zone name, such as UTC or Europe/Paris
WITH zone AS (SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) THEN $1 END AS name),
month AS (SELECT date_trunc('month', now() AT TIME ZONE coalesce(zone.name, 'UTC')) AT TIME ZONE coalesce(zone.name, 'UTC')
                 AS starts
            FROM zone)
SELECT zone.name IS NOT NULL,
       count(l.id),
       count(*) FILTER (WHERE l.created_at >= month.starts),
       count(*) FILTER (WHERE l.converted_by IS NOT NULL),
       count(*) FILTER (WHERE l.converted_at >= month.starts),
       count(*) FILTER (WHERE l.open_count > 0)
FROM zone CROSS JOIN month LEFT JOIN leads l ON true
GROUP BY zone.name, month.starts;
