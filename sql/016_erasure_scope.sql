-- 016: what an erasure may touch.
--
-- `erase --email E` scrubs the stored text that names E. Searching for E as a substring also hit
-- other people whose address contains it (jimbob@example.com for bob@example.com): their
-- deliveries lost body, email and contact id, their findings and assignments went. An address
-- is named only where it stands alone: not preceded by a character an address's local part may
-- hold, and not followed by one its domain may hold.

-- Whether `p_text` (ASCII-case folded, like `p_email`) names the address `p_email` on its own.
CREATE FUNCTION clientflow_names_email(p_text text, p_email text) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT strpos(p_text, p_email) > 0
     AND p_text ~ ('(^|[^[:alnum:]._%+''-])' || regexp_replace(p_email, '([^[:alnum:]])', '\\\1', 'g') ||
                   '($|[^[:alnum:].-])')
$$;
