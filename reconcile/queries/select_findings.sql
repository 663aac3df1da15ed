-- Findings as admins see them (reconcile/findings.cpp reads the columns in this order), by kind
-- then id. held_deliveries: the deliveries ingest held back because of the finding's condition
-- (ambiguous for a shared contact, foreign_prefix for a foreign tag), newest 50 first.
-- $1  text    status: 'all', 'open' (open and acknowledged), or one status
-- $2  text    kind, or '' for every kind
-- $3  text    the findings' ids as a PostgreSQL array literal ('{4,7}'), or NULL for every finding
SELECT id, kind, subject, status, tenants::text, evidence::text, fingerprint,
       to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       coalesce(status_by, ''),
       coalesce(to_char(status_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
       coalesce(status_note, ''),
       (SELECT coalesce(jsonb_agg(w.id ORDER BY w.id DESC), '[]')::text
          FROM (SELECT id FROM webhook_events e
                 WHERE (kind = 'shared_contact' AND e.status = 'ambiguous' AND e.email = subject)
                    OR (kind = 'foreign_prefix' AND e.status = 'foreign_prefix'
                        AND e.contact_id = split_part(subject, ':', 1)::bigint)
                 ORDER BY id DESC LIMIT 50) w)
  FROM findings
 WHERE ($3::bigint[] IS NULL OR id = ANY ($3::bigint[]))
   AND ($1 = 'all' OR ($1 = 'open' AND status IN ('open', 'acknowledged')) OR status = $1)
   AND ($2 = '' OR kind = $2)
 ORDER BY kind, id;
