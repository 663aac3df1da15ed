-- The next deliveries after one, in arrival order, each with whether it is past the retention
-- period (its raw body may be dropped).
-- $1  integer: the retention period, in days
-- $2  bigint: the last delivery already walked (its id)
-- $3  integer: how many rows at most
SELECT id, received_at < now() - make_interval(days => $1)
FROM webhook_events
WHERE id > $2
ORDER BY id
LIMIT $3;
