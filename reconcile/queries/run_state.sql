-- Where the last runs left off (reconcile_state) and where the data stands now: the
-- watermarks the run before the last one reached, the tenants the last run saw, whether a full
-- run was ever recorded, the newest delivery and lead capture numbers, and the tenants now.
-- No parameters.
SELECT previous_event_watermark, previous_lead_watermark, tenants_seen, last_full_at IS NULL,
       (SELECT coalesce(max(id), 0) FROM webhook_events),
       (SELECT coalesce(max(capture_seq), 0) FROM leads),
       (SELECT count(*) FROM tenants)
  FROM reconcile_state;
