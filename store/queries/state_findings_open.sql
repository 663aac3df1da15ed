-- Open and acknowledged findings, counted by kind: one row (kind, count) per kind that has any.
-- No parameters.
SELECT kind, count(*) FROM findings WHERE status IN ('open', 'acknowledged') GROUP BY kind;
