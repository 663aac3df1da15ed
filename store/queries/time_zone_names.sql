-- Every time zone name PostgreSQL knows (IANA), as it spells them. A scan of its zone files: read
-- once by the daemon (store/time_zones.h), never per request.
SELECT name FROM pg_timezone_names;
