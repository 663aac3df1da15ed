-- 010: re-capture and richer leads. A lead remembers when Systeme.io says the contact registered
-- (its registeredAt; created_at stays the time the relay first saw the lead), and a lead's sync
-- jobs are found by lead, so a re-capture can requeue a failed one and queue no second open one.
ALTER TABLE leads ADD COLUMN systeme_registered_at timestamptz;

CREATE INDEX outbox_jobs_by_lead ON outbox_jobs (tenant_id, lead_id);
