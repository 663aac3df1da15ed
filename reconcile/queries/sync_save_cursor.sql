-- Records how far a sync of the contact mirror got, so that a stopped sync resumes after it.
-- $1  text     the last contact id written
-- $2  integer  the pages written so far
UPDATE reconcile_state SET sync_cursor = $1, sync_pages = $2;
