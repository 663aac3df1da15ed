-- How many findings of each kind are open or acknowledged, by kind.
-- No parameters.
SELECT kind, count(*) FROM findings WHERE status IN ('open', 'acknowledged') GROUP BY kind ORDER BY kind;
