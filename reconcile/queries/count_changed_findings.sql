-- How many findings that existed before the run (before_run) changed fingerprint or status.
-- No parameters.
SELECT count(*) FROM findings f JOIN before_run b ON b.id = f.id
 WHERE b.fingerprint <> f.fingerprint OR b.status <> f.status;
