-- A capture by the tenant bound to the transaction lifts its erasure marks of the person
-- (sql/011, clientflow_lift_erasure_marks). Returns the marks lifted.
-- $1  text: the tenant's id (a UUID)
-- $2  text: the hex email mark
SELECT clientflow_lift_erasure_marks($1::uuid, decode($2, 'hex'));
