-- How many findings there are of each kind in each status, for the report page's summary.
-- No parameters.
SELECT kind, status, count(*) FROM findings GROUP BY 1, 2;
