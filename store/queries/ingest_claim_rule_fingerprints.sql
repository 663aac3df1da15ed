-- Claims rule webhooks' fingerprints (ingest::Admission): a fingerprint not seen in the last 10
-- minutes is claimed by this batch, and returned; one seen since marks its delivery a duplicate.
-- $1  jsonb array of hex SHA-256 fingerprints (tenant, event type and body)
INSERT INTO rule_deliveries_seen (fingerprint, seen_at)
SELECT decode(f, 'hex'), now() FROM jsonb_array_elements_text($1::jsonb) AS f
ON CONFLICT (fingerprint) DO UPDATE SET seen_at = EXCLUDED.seen_at
WHERE rule_deliveries_seen.seen_at < EXCLUDED.seen_at - interval '10 minutes'
RETURNING encode(fingerprint, 'hex');
