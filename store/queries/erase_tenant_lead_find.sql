-- The lead a tenant erases: its email and Systeme.io contact id; no row when the tenant
-- bound to the transaction has no such lead (row-level security hides the others').
-- $1  text: the lead's id (a UUID)
SELECT email, systeme_contact_id FROM leads WHERE id = $1::uuid;
