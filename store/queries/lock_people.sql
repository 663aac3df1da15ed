-- Takes the transaction-scoped advisory locks on people, in one global order, so that whoever
-- writes a person's lead or mirror row takes turns with ingest.
-- $1  jsonb array of person keys (store/person_lock.h: "e:<email>", "c:<contact id>")
SELECT pg_advisory_xact_lock(k)
FROM (SELECT DISTINCT hashtextextended(x, 0) AS k
      FROM jsonb_array_elements_text($1::jsonb) AS x
      ORDER BY 1) AS keys;
