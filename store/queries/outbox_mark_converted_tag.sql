-- Records what a sync did with the relay's own <prefix>converted at Systeme.io, as of now: added
-- ($4 true), the lead carries it; removed ($4 false), the lead leaves it and the relay gives it
-- up, unless a sale or the API converted the lead again meanwhile (converted_tag_relay is then
-- 'wanted' again and a new sync adds it). A tag event older than now changes neither after.
-- $1  text: the tenant's id (a UUID)
-- $2  text: the lead's id (a UUID)
-- $3  text: the tag, <prefix>converted
-- $4  boolean: true when added, false when removed
-- $5  bigint: the Systeme.io contact id
WITH now_ms AS (SELECT (extract(epoch FROM now()) * 1000)::bigint AS at)
UPDATE leads
SET systeme_contact_id = coalesce(systeme_contact_id, $5), updated_at = now(),
    converted_tag_relay = CASE WHEN NOT $4::boolean AND converted_tag_relay = 'unwanted' THEN NULL
                               ELSE converted_tag_relay END,
    tags = CASE WHEN $4::boolean AND NOT $3 = ANY (tags) THEN tags || $3::text
                WHEN NOT $4::boolean AND converted_tag_relay = 'unwanted' THEN array_remove(tags, $3::text)
                ELSE tags END,
    tag_clock = CASE WHEN $4::boolean OR converted_tag_relay = 'unwanted'
                     THEN tag_clock || jsonb_build_object($3::text, greatest((tag_clock ->> $3::text)::bigint, now_ms.at))
                     ELSE tag_clock END
FROM now_ms
WHERE tenant_id = $1::uuid AND id = $2::uuid;
