-- The tenant ids, of those an admin names, that no tenant has: a jsonb array as text.
-- $1  jsonb  array of tenant ids (uuid text)
SELECT coalesce(jsonb_agg(x), '[]')::text
  FROM jsonb_array_elements_text($1::jsonb) AS x
 WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = x::uuid);
