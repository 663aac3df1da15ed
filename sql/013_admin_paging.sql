-- 013: admin listings page by keyset. Every page of GET /admin/events, GET /admin/findings and
-- the report page is one bounded index scan for each filter it takes: it starts at the cursor
-- and stops after `limit` rows.

-- Stored deliveries, newest receipt first ((received_at, id) is the page key): by every status,
-- by one unrouted status (a small partial index: routed deliveries are most of the table), by
-- person (email, Systeme.io contact) and by tenant (routed to it, or sent by its rule token).
CREATE INDEX webhook_events_by_receipt ON webhook_events (received_at, id);
CREATE INDEX webhook_events_unrouted_by_status ON webhook_events (status, received_at, id)
  WHERE status <> 'routed';
CREATE INDEX webhook_events_by_email ON webhook_events (email, received_at, id) WHERE email IS NOT NULL;
CREATE INDEX webhook_events_by_contact ON webhook_events (contact_id, received_at, id)
  WHERE contact_id IS NOT NULL;
CREATE INDEX webhook_events_by_tenant ON webhook_events ((coalesce(routed_tenant_id, rule_tenant_id)), received_at, id);

-- Findings, newest first (id is the page key): open ones (open and acknowledged) with or
-- without a kind, one status with or without a kind; by tenant involved, by email and by
-- Systeme.io contact (a person has few findings: those are read whole, then ordered).
CREATE INDEX findings_open_by_kind ON findings (kind, id) WHERE status IN ('open', 'acknowledged');
CREATE INDEX findings_open_newest ON findings (id) WHERE status IN ('open', 'acknowledged');
CREATE INDEX findings_by_status_kind_id ON findings (status, kind, id);
CREATE INDEX findings_by_status_id ON findings (status, id);
-- (status, kind, id) serves what (status, kind) did: the counts by kind and status.
DROP INDEX findings_by_status;
CREATE INDEX findings_by_tenant ON findings USING gin (tenants jsonb_path_ops);
CREATE INDEX findings_by_email ON findings ((evidence ->> 'email'));
CREATE INDEX findings_by_emails ON findings USING gin ((evidence -> 'emails'));
CREATE INDEX findings_by_contact ON findings ((evidence ->> 'contact_id'));
CREATE INDEX findings_by_contacts ON findings USING gin ((evidence -> 'contact_ids') jsonb_path_ops);
