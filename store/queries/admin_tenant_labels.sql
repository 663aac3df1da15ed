-- The name and tag prefix of the given tenants, for labelling a finding's owners on the report
-- page. Ids that name no tenant are left out.
-- $1  jsonb array of tenant ids (text)
SELECT id::text, name, prefix
FROM tenants
WHERE id::text IN (SELECT jsonb_array_elements_text($1::jsonb));
