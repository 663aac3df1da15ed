-- Records a run: the watermarks it reached become the last ones (the last ones move to
-- previous_*, where the next incremental run starts), the tenants it saw, and its time.
-- $1  bigint   the newest delivery id (webhook_events.id) when the run began
-- $2  bigint   the newest lead capture number (leads.capture_seq) when the run began
-- $3  bigint   how many tenants there were
-- $4  boolean  the run was full (last_full_at is then set)
UPDATE reconcile_state
   SET previous_event_watermark = event_watermark, event_watermark = $1,
       previous_lead_watermark = lead_watermark, lead_watermark = $2,
       last_run_at = now(), tenants_seen = $3,
       last_full_at = CASE WHEN $4 THEN now() ELSE last_full_at END;
