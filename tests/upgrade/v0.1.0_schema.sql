-- The schema of ClientFlow Relay v0.1.0 (tag v0.1.0, migrations 001-005), the first step every
-- upgrade test starts from: `clientflow-relay migrate` of v0.1.0 on an empty database, then
--   pg_dump --schema-only --no-owner DB (grants kept); pg_dump --data-only --table=schema_migrations DB
-- Load it as the role that is to own the schema, into an empty database (TestDatabase::load).
-- It begins with the roles and memberships v0.1.0's 001 made: they belong to the cluster, so
-- pg_dump leaves them out.

DO $$
BEGIN
  BEGIN
    CREATE ROLE clientflow_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- made by another database
  END;
  BEGIN
    CREATE ROLE clientflow_system NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  IF NOT pg_has_role(current_user, 'clientflow_tenant', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT clientflow_tenant TO %I', current_user);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT pg_has_role(current_user, 'clientflow_system', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT clientflow_system TO %I', current_user);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END
$$;

--
-- PostgreSQL database dump
--

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: clientflow_current_tenant(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.clientflow_current_tenant() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

--
-- Name: clientflow_finding_reopens(text, text, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.clientflow_finding_reopens(status text, fingerprint text, assigned_fingerprint text, seen text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
  SELECT CASE status
    WHEN 'resolved' THEN assigned_fingerprint IS NULL OR assigned_fingerprint <> seen
    WHEN 'dismissed' THEN fingerprint <> seen
    ELSE false END
$$;

--
-- Name: clientflow_isolate_tenant_table(regclass); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.clientflow_isolate_tenant_table(target regclass) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format('CREATE POLICY tenant_isolation ON %s TO clientflow_tenant '
                 'USING (tenant_id = clientflow_current_tenant()) '
                 'WITH CHECK (tenant_id = clientflow_current_tenant())', target);
  EXECUTE format('CREATE POLICY system_all ON %s TO clientflow_system USING (true) WITH CHECK (true)', target);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO clientflow_tenant, clientflow_system', target);
END
$$;

--
-- Name: clientflow_lead_exists_elsewhere(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.clientflow_lead_exists_elsewhere(lead_email text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$ SELECT EXISTS (SELECT 1 FROM public.leads
                        WHERE email = lead_email AND tenant_id <> public.clientflow_current_tenant()) $$;

--
-- Name: clientflow_system_table(regclass); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.clientflow_system_table(target regclass) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format('CREATE POLICY system_all ON %s TO clientflow_system USING (true) WITH CHECK (true)', target);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO clientflow_system', target);
END
$$;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: contact_assignments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.contact_assignments (
    id bigint NOT NULL,
    email text,
    contact_id bigint,
    tenant_ids uuid[] NOT NULL,
    finding_id bigint,
    assigned_by text NOT NULL,
    note text,
    assigned_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT contact_assignments_assigned_by_check CHECK ((assigned_by <> ''::text)),
    CONSTRAINT contact_assignments_check CHECK (((email IS NOT NULL) OR (contact_id IS NOT NULL))),
    CONSTRAINT contact_assignments_tenant_ids_check CHECK ((cardinality(tenant_ids) > 0))
);

ALTER TABLE ONLY public.contact_assignments FORCE ROW LEVEL SECURITY;

--
-- Name: contact_assignments_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.contact_assignments ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.contact_assignments_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: findings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.findings (
    id bigint NOT NULL,
    kind text NOT NULL,
    subject text NOT NULL,
    tenants jsonb DEFAULT '[]'::jsonb NOT NULL,
    evidence jsonb DEFAULT '{}'::jsonb NOT NULL,
    fingerprint text NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    status_by text,
    status_at timestamp with time zone,
    status_note text,
    first_seen timestamp with time zone DEFAULT now() NOT NULL,
    last_seen timestamp with time zone DEFAULT now() NOT NULL,
    assigned_fingerprint text,
    CONSTRAINT findings_kind_check CHECK ((kind = ANY (ARRAY['shared_contact'::text, 'foreign_prefix'::text, 'owner_mismatch'::text, 'unknown_prefix'::text]))),
    CONSTRAINT findings_status_check CHECK ((status = ANY (ARRAY['open'::text, 'acknowledged'::text, 'dismissed'::text, 'resolved'::text])))
);

ALTER TABLE ONLY public.findings FORCE ROW LEVEL SECURITY;

--
-- Name: findings_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.findings ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.findings_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: lead_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.lead_events (
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    id bigint NOT NULL,
    kind text NOT NULL,
    tag text,
    occurred_at timestamp with time zone,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    webhook_event_id bigint
);

ALTER TABLE ONLY public.lead_events FORCE ROW LEVEL SECURITY;

--
-- Name: lead_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.lead_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.lead_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: leads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.leads (
    tenant_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    email text NOT NULL,
    systeme_contact_id bigint,
    name text,
    phone text,
    ib_type text,
    monthly_leads text,
    broker_network text,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    open_count integer DEFAULT 0 NOT NULL,
    last_opened_at timestamp with time zone,
    synced_at timestamp with time zone,
    sync_error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    tag_clock jsonb DEFAULT '{}'::jsonb NOT NULL,
    capture_seq bigint NOT NULL
)
WITH (fillfactor='70');

ALTER TABLE ONLY public.leads FORCE ROW LEVEL SECURITY;

--
-- Name: leads_capture_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.leads_capture_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: leads_capture_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.leads_capture_seq OWNED BY public.leads.capture_seq;

--
-- Name: outbox_jobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox_jobs (
    tenant_id uuid NOT NULL,
    id bigint NOT NULL,
    lead_id uuid NOT NULL,
    kind text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    run_after timestamp with time zone DEFAULT now() NOT NULL,
    leased_until timestamp with time zone,
    leased_by text,
    last_error text,
    done_at timestamp with time zone,
    failed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT outbox_jobs_kind_check CHECK ((kind = 'sync_lead'::text))
);

ALTER TABLE ONLY public.outbox_jobs FORCE ROW LEVEL SECURITY;

--
-- Name: outbox_jobs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.outbox_jobs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.outbox_jobs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: reconcile_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reconcile_state (
    singleton boolean DEFAULT true NOT NULL,
    last_run_at timestamp with time zone,
    last_full_at timestamp with time zone,
    event_watermark bigint DEFAULT 0 NOT NULL,
    previous_event_watermark bigint DEFAULT 0 NOT NULL,
    lead_watermark bigint DEFAULT 0 NOT NULL,
    previous_lead_watermark bigint DEFAULT 0 NOT NULL,
    tenants_seen bigint DEFAULT 0 NOT NULL,
    sync_cursor text,
    sync_pages integer DEFAULT 0 NOT NULL,
    last_sync_at timestamp with time zone,
    CONSTRAINT reconcile_state_singleton_check CHECK (singleton)
);

ALTER TABLE ONLY public.reconcile_state FORCE ROW LEVEL SECURITY;

--
-- Name: retention_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.retention_state (
    singleton boolean DEFAULT true NOT NULL,
    bodies_dropped_upto bigint DEFAULT 0 NOT NULL,
    CONSTRAINT retention_state_singleton_check CHECK (singleton)
);

ALTER TABLE ONLY public.retention_state FORCE ROW LEVEL SECURITY;

--
-- Name: rule_deliveries_seen; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rule_deliveries_seen (
    fingerprint bytea NOT NULL,
    seen_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY public.rule_deliveries_seen FORCE ROW LEVEL SECURITY;

--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: systeme_contacts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.systeme_contacts (
    contact_id bigint NOT NULL,
    email text,
    tags jsonb DEFAULT '[]'::jsonb NOT NULL,
    fields jsonb DEFAULT '{}'::jsonb NOT NULL,
    snapshot_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
)
WITH (fillfactor='70');

ALTER TABLE ONLY public.systeme_contacts FORCE ROW LEVEL SECURITY;

--
-- Name: tenants; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tenants (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    prefix text NOT NULL,
    api_key_hash bytea NOT NULL,
    rule_token_hash bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    keys_rotated_at timestamp with time zone,
    CONSTRAINT tenants_api_key_hash_check CHECK ((length(api_key_hash) = 32)),
    CONSTRAINT tenants_email_check CHECK (((length(email) >= 3) AND (length(email) <= 254))),
    CONSTRAINT tenants_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200))),
    CONSTRAINT tenants_prefix_check CHECK ((prefix ~ '^ib-[a-z0-9]{3,32}-$'::text)),
    CONSTRAINT tenants_rule_token_hash_check CHECK ((length(rule_token_hash) = 32))
);

ALTER TABLE ONLY public.tenants FORCE ROW LEVEL SECURITY;

--
-- Name: webhook_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_events (
    id bigint NOT NULL,
    dedup_key text NOT NULL,
    source text NOT NULL,
    event_type text NOT NULL,
    status text NOT NULL,
    routed_tenant_id uuid,
    contact_id bigint,
    email text,
    event_at timestamp with time zone,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    body bytea,
    lead_id uuid,
    rule_tenant_id uuid,
    detail text,
    replayed_at timestamp with time zone,
    CONSTRAINT webhook_events_source_check CHECK ((source = ANY (ARRAY['account'::text, 'rule'::text]))),
    CONSTRAINT webhook_events_status_check CHECK ((status = ANY (ARRAY['routed'::text, 'ambiguous'::text, 'foreign_prefix'::text, 'unknown_prefix'::text, 'no_prefix'::text, 'unsupported'::text, 'malformed'::text])))
);

ALTER TABLE ONLY public.webhook_events FORCE ROW LEVEL SECURITY;

--
-- Name: webhook_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.webhook_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.webhook_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: leads capture_seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads ALTER COLUMN capture_seq SET DEFAULT nextval('public.leads_capture_seq'::regclass);

--
-- Name: contact_assignments contact_assignments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.contact_assignments
    ADD CONSTRAINT contact_assignments_pkey PRIMARY KEY (id);

--
-- Name: findings findings_kind_subject_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.findings
    ADD CONSTRAINT findings_kind_subject_key UNIQUE (kind, subject);

--
-- Name: findings findings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.findings
    ADD CONSTRAINT findings_pkey PRIMARY KEY (id);

--
-- Name: lead_events lead_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lead_events
    ADD CONSTRAINT lead_events_pkey PRIMARY KEY (tenant_id, lead_id, id);

--
-- Name: leads leads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_pkey PRIMARY KEY (tenant_id, id);

--
-- Name: leads leads_tenant_id_email_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_tenant_id_email_key UNIQUE (tenant_id, email);

--
-- Name: outbox_jobs outbox_jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox_jobs
    ADD CONSTRAINT outbox_jobs_pkey PRIMARY KEY (tenant_id, id);

--
-- Name: reconcile_state reconcile_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reconcile_state
    ADD CONSTRAINT reconcile_state_pkey PRIMARY KEY (singleton);

--
-- Name: retention_state retention_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.retention_state
    ADD CONSTRAINT retention_state_pkey PRIMARY KEY (singleton);

--
-- Name: rule_deliveries_seen rule_deliveries_seen_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rule_deliveries_seen
    ADD CONSTRAINT rule_deliveries_seen_pkey PRIMARY KEY (fingerprint);

--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

--
-- Name: systeme_contacts systeme_contacts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.systeme_contacts
    ADD CONSTRAINT systeme_contacts_pkey PRIMARY KEY (contact_id);

--
-- Name: tenants tenants_api_key_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tenants
    ADD CONSTRAINT tenants_api_key_hash_key UNIQUE (api_key_hash);

--
-- Name: tenants tenants_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tenants
    ADD CONSTRAINT tenants_pkey PRIMARY KEY (id);

--
-- Name: tenants tenants_prefix_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tenants
    ADD CONSTRAINT tenants_prefix_key UNIQUE (prefix);

--
-- Name: tenants tenants_rule_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tenants
    ADD CONSTRAINT tenants_rule_token_hash_key UNIQUE (rule_token_hash);

--
-- Name: webhook_events webhook_events_dedup_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_events
    ADD CONSTRAINT webhook_events_dedup_key_key UNIQUE (dedup_key);

--
-- Name: webhook_events webhook_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_events
    ADD CONSTRAINT webhook_events_pkey PRIMARY KEY (id);

--
-- Name: contact_assignments_by_contact; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX contact_assignments_by_contact ON public.contact_assignments USING btree (contact_id) WHERE (contact_id IS NOT NULL);

--
-- Name: contact_assignments_by_email; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX contact_assignments_by_email ON public.contact_assignments USING btree (email) WHERE (email IS NOT NULL);

--
-- Name: findings_by_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX findings_by_status ON public.findings USING btree (status, kind);

--
-- Name: leads_by_capture_seq; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_by_capture_seq ON public.leads USING btree (capture_seq);

--
-- Name: leads_by_contact; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_by_contact ON public.leads USING btree (systeme_contact_id) WHERE (systeme_contact_id IS NOT NULL);

--
-- Name: leads_by_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_by_created ON public.leads USING btree (tenant_id, created_at DESC, id DESC);

--
-- Name: leads_by_email; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_by_email ON public.leads USING btree (email);

--
-- Name: outbox_jobs_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_jobs_due ON public.outbox_jobs USING btree (run_after) WHERE ((done_at IS NULL) AND (failed_at IS NULL));

--
-- Name: systeme_contacts_by_email; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX systeme_contacts_by_email ON public.systeme_contacts USING btree (email);

--
-- Name: webhook_events_unrouted; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_events_unrouted ON public.webhook_events USING btree (received_at) WHERE (status <> 'routed'::text);

--
-- Name: contact_assignments contact_assignments_finding_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.contact_assignments
    ADD CONSTRAINT contact_assignments_finding_id_fkey FOREIGN KEY (finding_id) REFERENCES public.findings(id);

--
-- Name: leads leads_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id);

--
-- Name: outbox_jobs outbox_jobs_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox_jobs
    ADD CONSTRAINT outbox_jobs_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id);

--
-- Name: contact_assignments; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.contact_assignments ENABLE ROW LEVEL SECURITY;

--
-- Name: findings; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.findings ENABLE ROW LEVEL SECURITY;

--
-- Name: lead_events; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.lead_events ENABLE ROW LEVEL SECURITY;

--
-- Name: leads; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.leads ENABLE ROW LEVEL SECURITY;

--
-- Name: outbox_jobs; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.outbox_jobs ENABLE ROW LEVEL SECURITY;

--
-- Name: reconcile_state; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.reconcile_state ENABLE ROW LEVEL SECURITY;

--
-- Name: retention_state; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.retention_state ENABLE ROW LEVEL SECURITY;

--
-- Name: rule_deliveries_seen; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.rule_deliveries_seen ENABLE ROW LEVEL SECURITY;

--
-- Name: contact_assignments system_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY system_all ON public.contact_assignments TO clientflow_system USING (true) WITH CHECK (true);

--
-- Name: findings system_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY system_all ON public.findings TO clientflow_system USING (true) WITH CHECK (true);

--
-- Name: lead_events system_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY system_all ON public.lead_events TO clientflow_system USING (true) WITH CHECK (true);

--
-- Name: leads system_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY system_all ON public.leads TO clientflow_system USING (true) WITH CHECK (true);

--
-- Name: outbox_jobs system_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY system_all ON public.outbox_jobs TO clientflow_system USING (true) WITH CHECK (true);

--
-- Name: reconcile_state system_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY system_all ON public.reconcile_state TO clientflow_system USING (true) WITH CHECK (true);

--
-- Name: retention_state system_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY system_all ON public.retention_state TO clientflow_system USING (true) WITH CHECK (true);

--
-- Name: rule_deliveries_seen system_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY system_all ON public.rule_deliveries_seen TO clientflow_system USING (true) WITH CHECK (true);

--
-- Name: systeme_contacts system_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY system_all ON public.systeme_contacts TO clientflow_system USING (true) WITH CHECK (true);

--
-- Name: tenants system_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY system_all ON public.tenants TO clientflow_system USING (true) WITH CHECK (true);

--
-- Name: webhook_events system_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY system_all ON public.webhook_events TO clientflow_system USING (true) WITH CHECK (true);

--
-- Name: systeme_contacts; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.systeme_contacts ENABLE ROW LEVEL SECURITY;

--
-- Name: lead_events tenant_isolation; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_isolation ON public.lead_events TO clientflow_tenant USING ((tenant_id = public.clientflow_current_tenant())) WITH CHECK ((tenant_id = public.clientflow_current_tenant()));

--
-- Name: leads tenant_isolation; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_isolation ON public.leads TO clientflow_tenant USING ((tenant_id = public.clientflow_current_tenant())) WITH CHECK ((tenant_id = public.clientflow_current_tenant()));

--
-- Name: outbox_jobs tenant_isolation; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_isolation ON public.outbox_jobs TO clientflow_tenant USING ((tenant_id = public.clientflow_current_tenant())) WITH CHECK ((tenant_id = public.clientflow_current_tenant()));

--
-- Name: tenants tenant_self; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tenant_self ON public.tenants TO clientflow_tenant USING ((id = public.clientflow_current_tenant()));

--
-- Name: tenants; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;

--
-- Name: webhook_events; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.webhook_events ENABLE ROW LEVEL SECURITY;

--
-- Name: FUNCTION clientflow_lead_exists_elsewhere(lead_email text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.clientflow_lead_exists_elsewhere(lead_email text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.clientflow_lead_exists_elsewhere(lead_email text) TO clientflow_tenant;

--
-- Name: TABLE contact_assignments; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.contact_assignments TO clientflow_system;

--
-- Name: TABLE findings; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.findings TO clientflow_system;

--
-- Name: TABLE lead_events; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.lead_events TO clientflow_tenant;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.lead_events TO clientflow_system;

--
-- Name: TABLE leads; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.leads TO clientflow_tenant;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.leads TO clientflow_system;

--
-- Name: SEQUENCE leads_capture_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.leads_capture_seq TO clientflow_tenant;
GRANT USAGE ON SEQUENCE public.leads_capture_seq TO clientflow_system;

--
-- Name: TABLE outbox_jobs; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.outbox_jobs TO clientflow_tenant;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.outbox_jobs TO clientflow_system;

--
-- Name: TABLE reconcile_state; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.reconcile_state TO clientflow_system;

--
-- Name: TABLE retention_state; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.retention_state TO clientflow_system;

--
-- Name: TABLE rule_deliveries_seen; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.rule_deliveries_seen TO clientflow_system;

--
-- Name: TABLE systeme_contacts; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.systeme_contacts TO clientflow_system;

--
-- Name: TABLE tenants; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.tenants TO clientflow_system;

--
-- Name: COLUMN tenants.id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(id) ON TABLE public.tenants TO clientflow_tenant;

--
-- Name: COLUMN tenants.name; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(name) ON TABLE public.tenants TO clientflow_tenant;

--
-- Name: COLUMN tenants.email; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(email) ON TABLE public.tenants TO clientflow_tenant;

--
-- Name: COLUMN tenants.prefix; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(prefix) ON TABLE public.tenants TO clientflow_tenant;

--
-- Name: COLUMN tenants.created_at; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(created_at) ON TABLE public.tenants TO clientflow_tenant;

--
-- Name: TABLE webhook_events; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.webhook_events TO clientflow_system;

--

-- Data for Name: schema_migrations (the migrations v0.1.0 applied, with their checksums)

INSERT INTO public.schema_migrations (version, name, checksum, applied_at) VALUES (1, '001_foundation.sql', '93e3cc6195288f3b2b9b1594f3ac502a859b08183611a2e31d8664037aa24dbc', '2026-12-02 14:46:15.368056+00');
INSERT INTO public.schema_migrations (version, name, checksum, applied_at) VALUES (2, '002_ingest.sql', 'b81cdea72d25965cceea8fd945c0912bc8ddbc78bb253a3c7b14c23961a9c841', '2026-12-02 14:46:15.432732+00');
INSERT INTO public.schema_migrations (version, name, checksum, applied_at) VALUES (3, '003_tenant_api.sql', 'e3d8ece4bdf5f776979a959cf4abe075448b9942ed6fd87d5ebea67115c310ad', '2026-12-02 14:46:15.479248+00');
INSERT INTO public.schema_migrations (version, name, checksum, applied_at) VALUES (4, '004_findings.sql', '869ed2541d9f2cb87d583bab795d0776473ab7c70142cfeaeb08423e63343c9a', '2026-12-02 14:46:15.510277+00');
INSERT INTO public.schema_migrations (version, name, checksum, applied_at) VALUES (5, '005_assign_incremental.sql', '5c94e6024c1f8e0069adbc570d7ae2a5255601cdbbd00d6613eb05d861c25b27', '2026-12-02 14:46:15.550128+00');
