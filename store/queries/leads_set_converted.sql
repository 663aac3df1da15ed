-- Adds or withdraws the API's reason for a lead of the bound tenant to be converted (the triggers
-- of sql/009_conversion.sql then work out its state, timeline entries and sync); no row when the
-- bound tenant has no such lead. Returns the reasons that stand after it, as a json array.
-- $1  text: the lead's id (a UUID)
-- $2  boolean: true to add the API's reason (kept with its first time when already there), false
--     to withdraw it
UPDATE leads SET converted_api_at = CASE WHEN $2::boolean THEN coalesce(converted_api_at, now()) END
WHERE id = $1::uuid
RETURNING to_json(converted_reasons)::text;
