-- An admin's action on a finding: its new status, who took it, when, and the note (none when
-- empty). Answers the finding's id; no row when there is no such finding.
-- $1  bigint  the finding's id
-- $2  text    the new status: acknowledged, dismissed or resolved
-- $3  text    who took the action
-- $4  text    the note, or ''
UPDATE findings SET status = $2, status_by = $3, status_at = now(), status_note = nullif($4, '')
 WHERE id = $1 RETURNING id;
