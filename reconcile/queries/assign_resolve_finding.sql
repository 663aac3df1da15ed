-- Resolves an assigned finding, remembering the fingerprint the admin saw (a change reopens it).
-- $1  bigint  the finding's id
-- $2  text    who assigned it
-- $3  text    the note, or '' (then the note is "assigned")
UPDATE findings
   SET status = 'resolved', status_by = $2, status_at = now(),
       status_note = coalesce(nullif($3, ''), 'assigned'), assigned_fingerprint = fingerprint
 WHERE id = $1;
