-- Records a complete sync of the contact mirror: no cursor left, and its time.
-- No parameters.
UPDATE reconcile_state
   SET sync_cursor = NULL, sync_pages = 0, last_sync_at = now(), sync_started_at = NULL;
