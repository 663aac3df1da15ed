-- At the end of a complete sync: removes the mirror rows that neither this sync nor a webhook
-- wrote since it started, contacts Systeme.io no longer has.
-- $1  timestamptz  when the sync started
DELETE FROM systeme_contacts
 WHERE (synced_at IS NULL OR synced_at < $1::timestamptz) AND updated_at < $1::timestamptz;
