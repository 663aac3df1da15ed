-- Records the start of a new sync of the contact mirror; answers that time.
-- No parameters.
UPDATE reconcile_state SET sync_started_at = now() RETURNING sync_started_at::text;
