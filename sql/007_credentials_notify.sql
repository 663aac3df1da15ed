-- 007: tell listening daemons when tenants' credentials change.
--
-- Each daemon keeps the SHA-256 of every rule token and API key in memory, so that a request
-- carrying an unknown one is refused without a query (daemon/credential_filter.h). A tenant
-- added, re-keyed or removed, by any daemon or CLI, notifies the channel clientflow_credentials
-- when its transaction commits, and every daemon listening reloads its hashes at once. (A daemon
-- that misses a notification still reloads on its next miss.) The payload is empty: no hash or
-- tenant id ever travels on the channel.

CREATE FUNCTION clientflow_notify_credentials() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM pg_notify('clientflow_credentials', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER tenants_credentials_changed
  AFTER INSERT OR DELETE OR UPDATE OF api_key_hash, rule_token_hash ON tenants
  FOR EACH STATEMENT EXECUTE FUNCTION clientflow_notify_credentials();
