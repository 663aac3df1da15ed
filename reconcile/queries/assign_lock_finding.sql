-- The finding an admin assigns, locked for the transaction.
-- $1  bigint  the finding's id
SELECT kind, subject, evidence::text FROM findings WHERE id = $1 FOR UPDATE;
