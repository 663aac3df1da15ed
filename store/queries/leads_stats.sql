-- The bound tenant's lead counts: all, created this month, converted, converted this month (by
-- converted_at), opened at least once; "this month" in the time zone $1. The first column says
-- whether $1 is a zone PostgreSQL knows by name (IANA); when it is not, every count is NULL.
-- $1  text: an IANA time zone name, such as UTC or Europe/Paris
WITH zone AS (SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) AS known),
month AS (SELECT CASE WHEN zone.known THEN date_trunc('month', now() AT TIME ZONE $1) AT TIME ZONE $1 END AS starts
            FROM zone)
SELECT zone.known,
       (SELECT count(*) FROM leads WHERE zone.known),
       (SELECT count(*) FROM leads WHERE zone.known AND created_at >= month.starts),
       (SELECT count(*) FROM leads WHERE zone.known AND converted_by IS NOT NULL),
       (SELECT count(*) FROM leads WHERE zone.known AND converted_at >= month.starts),
       (SELECT count(*) FROM leads WHERE zone.known AND open_count > 0)
FROM zone, month;
