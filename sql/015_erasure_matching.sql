-- 015: erasure matching and lifting.
--
-- One normalisation of emails, the daemon's (common/email.h, Email::normalize): surrounding
-- whitespace trimmed and ASCII letters lower-cased, every other character kept as it is. The
-- erase queries compare stored emails and search stored text with the same folding here, so that
-- what the daemon calls one person is what erase finds ("ÉLODIE@Example.com" and
-- "Élodie@example.com" are one person; "élodie@example.com" is another, as ingest and capture
-- have always matched them). Stored JSON is searched by its decoded text, so an email written
-- with \u escapes is found too.
--
-- A capture after a global erasure (`erase --email`) lifts that erasure for the capturing tenant
-- only (erasure_lifts): the global marks stay and keep every other tenant from the person.

-- ASCII letters lower-cased, nothing else changed (the folding of Email::normalize).
CREATE FUNCTION clientflow_fold_ascii_case(p_text text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT translate(p_text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
$$;

-- An email as the daemon normalises it (Email::normalize): trimmed of ' ', \t, \n, \r, \f, \v,
-- then ASCII letters lower-cased.
CREATE FUNCTION clientflow_email_key(p_email text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT public.clientflow_fold_ascii_case(btrim(p_email, E' \t\n\r\f' || chr(11)))
$$;

-- The text a stored body says: JSON decoded (its \u escapes resolved, as jsonb prints it), else
-- the body as UTF-8 text, else its bytes escaped.
CREATE FUNCTION clientflow_decoded_text(p_body bytea) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  RETURN convert_from(p_body, 'UTF8')::jsonb::text;
EXCEPTION WHEN others THEN
  BEGIN
    RETURN convert_from(p_body, 'UTF8');
  EXCEPTION WHEN others THEN
    RETURN encode(p_body, 'escape');
  END;
END
$$;

-- The tenants a global erasure no longer keeps from the person: each captured them since (new
-- consent). Its marks stay for every other tenant.
CREATE TABLE erasure_lifts (
  erasure_id  bigint NOT NULL REFERENCES erasures (id),
  lifted_for  uuid NOT NULL,     -- the tenant (not tenant_id: an admin-only table, not a tenant-owned one)
  lifted_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (erasure_id, lifted_for)
);
SELECT clientflow_system_table('erasure_lifts');

-- A capture by p_tenant of the person whose email marks as p_email_mark (new consent): the
-- tenant's own marks of every erasure of that person go, and every global erasure of the person
-- is lifted for p_tenant alone (its global marks stay, keeping the other tenants from the
-- person). Returns the marks and erasures lifted. The tenant role may call it only for the
-- tenant its transaction is bound to.
CREATE OR REPLACE FUNCTION clientflow_lift_erasure_marks(p_tenant uuid, p_email_mark bytea) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  lifted integer;
  lifted_global integer;
BEGIN
  IF current_setting('role') <> 'none' AND public.clientflow_current_tenant() IS DISTINCT FROM p_tenant THEN
    RAISE EXCEPTION 'a tenant may lift only its own marks' USING ERRCODE = '42501';
  END IF;
  DELETE FROM public.erasure_marks m
   WHERE m.erased_for = p_tenant
     AND m.erasure_id IN (SELECT e.erasure_id FROM public.erasure_marks e
                           WHERE e.kind = 'email' AND e.mark = p_email_mark
                             AND (e.erased_for = p_tenant OR e.erased_for IS NULL));
  GET DIAGNOSTICS lifted = ROW_COUNT;
  INSERT INTO public.erasure_lifts (erasure_id, lifted_for)
  SELECT DISTINCT e.erasure_id, p_tenant FROM public.erasure_marks e
   WHERE e.kind = 'email' AND e.mark = p_email_mark AND e.erased_for IS NULL
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS lifted_global = ROW_COUNT;
  RETURN lifted + lifted_global;
END
$$;
