-- 009: conversion. A lead is converted while at least one reason stands:
--   tag   the tenant's <prefix>converted tag, unless the relay put it there itself (its echo);
--   sale  a routed SALE_NEW that no SALE_CANCELED of the same order has undone (a cancel that
--         arrives first is kept in lead_sales and undoes its sale on arrival);
--   api   PATCH /v1/leads/{id} {"converted": true}.
-- The reasons are worked out by triggers on leads, wherever a lead changes (ingest, replay, the
-- tenant API, the outbox), so every writer agrees: converted_reasons, converted_at and
-- converted_by (the earliest standing reason) are kept on the row; each reason added or
-- withdrawn and each change of the converted state is a timeline entry; and when the relay must
-- add or remove <prefix>converted at Systeme.io (converted_tag_relay), a sync_lead job is queued.

ALTER TABLE leads
  ADD COLUMN converted_sale_at timestamptz,  -- the earliest standing sale, when sales convert
  ADD COLUMN converted_api_at timestamptz,   -- when the API converted it
  -- The relay's own <prefix>converted at Systeme.io: 'wanted' (added for a sale or the API; the
  -- tag's presence is then an echo, not a reason), 'unwanted' (no sale or API reason is left: the
  -- outbox removes it, then sets NULL), NULL (the tag, if any, is the tenant's).
  ADD COLUMN converted_tag_relay text CHECK (converted_tag_relay IN ('wanted', 'unwanted')),
  ADD COLUMN converted_reasons text[] NOT NULL DEFAULT '{}',
  ADD COLUMN converted_at timestamptz,
  ADD COLUMN converted_by text CHECK (converted_by IN ('tag', 'sale', 'api'));

-- The reason a conversion entry of the timeline names (tag, sale or api).
ALTER TABLE lead_events ADD COLUMN reason text;

-- The sales routed to a lead, by order: sold, cancelled, or both (in either order).
CREATE TABLE lead_sales (
  tenant_id    uuid NOT NULL,
  lead_id      uuid NOT NULL,
  order_key    text NOT NULL,  -- order.id as text; 'event:<delivery id>' when the body has none
  sold_at      timestamptz,
  canceled_at  timestamptz,
  PRIMARY KEY (tenant_id, lead_id, order_key),
  FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id) ON DELETE CASCADE
);
SELECT clientflow_isolate_tenant_table('lead_sales');

-- Open jobs of a lead: a conversion queues a sync only when none waits unclaimed.
CREATE INDEX outbox_jobs_open_by_lead ON outbox_jobs (tenant_id, lead_id) WHERE done_at IS NULL AND failed_at IS NULL;

-- Leads converted by their tag before this migration.
UPDATE leads
   SET converted_reasons = '{tag}', converted_by = 'tag',
       converted_at = coalesce(to_timestamp((tag_clock ->> t.tag)::bigint / 1000.0), updated_at)
  FROM (SELECT l.tenant_id, l.id, (SELECT x FROM unnest(l.tags) x WHERE x ~ '^ib-[a-z0-9]{3,32}-converted$' LIMIT 1) AS tag
          FROM leads l) t
 WHERE t.tenant_id = leads.tenant_id AND t.id = leads.id AND t.tag IS NOT NULL;

-- BEFORE INSERT or UPDATE of a lead: its standing reasons, converted_at and converted_by, and
-- whether the relay's own tag is wanted at Systeme.io.
CREATE FUNCTION clientflow_lead_conversion() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  tag text;
  tag_at timestamptz;
  reasons constant text[] := '{tag,sale,api}';  -- in this order in converted_reasons
  times timestamptz[];
BEGIN
  SELECT x INTO tag FROM unnest(NEW.tags) x WHERE x ~ '^ib-[a-z0-9]{3,32}-converted$' LIMIT 1;
  IF NEW.converted_sale_at IS NOT NULL OR NEW.converted_api_at IS NOT NULL THEN
    IF NEW.converted_tag_relay = 'unwanted' OR (NEW.converted_tag_relay IS NULL AND tag IS NULL) THEN
      NEW.converted_tag_relay := 'wanted';
    END IF;
  ELSIF NEW.converted_tag_relay = 'wanted' THEN
    NEW.converted_tag_relay := 'unwanted';
  END IF;
  IF tag IS NOT NULL AND NEW.converted_tag_relay IS NULL THEN
    tag_at := coalesce(to_timestamp((NEW.tag_clock ->> tag)::bigint / 1000.0), now());
  END IF;
  times := ARRAY[tag_at, NEW.converted_sale_at, NEW.converted_api_at];
  NEW.converted_reasons := '{}';
  NEW.converted_at := NULL;
  NEW.converted_by := NULL;
  FOR i IN 1 .. 3 LOOP
    CONTINUE WHEN times[i] IS NULL;
    NEW.converted_reasons := NEW.converted_reasons || reasons[i];
    IF NEW.converted_at IS NULL OR times[i] < NEW.converted_at THEN
      NEW.converted_at := times[i];
      NEW.converted_by := reasons[i];
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;

-- AFTER INSERT or UPDATE of a lead whose reasons or relay tag changed: the timeline entries, and
-- the sync that adds or removes the relay's tag (unless one already waits unclaimed).
CREATE FUNCTION clientflow_lead_conversion_effects() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  before text[] := '{}';
  relay_before text;
  r text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    before := OLD.converted_reasons;
    relay_before := OLD.converted_tag_relay;
  END IF;
  FOREACH r IN ARRAY NEW.converted_reasons LOOP
    IF NOT r = ANY (before) THEN
      INSERT INTO lead_events (tenant_id, lead_id, kind, reason, occurred_at)
      VALUES (NEW.tenant_id, NEW.id, 'conversion_reason_added', r, now());
    END IF;
  END LOOP;
  FOREACH r IN ARRAY before LOOP
    IF NOT r = ANY (NEW.converted_reasons) THEN
      INSERT INTO lead_events (tenant_id, lead_id, kind, reason, occurred_at)
      VALUES (NEW.tenant_id, NEW.id, 'conversion_reason_withdrawn', r, now());
    END IF;
  END LOOP;
  IF cardinality(before) = 0 AND cardinality(NEW.converted_reasons) > 0 THEN
    INSERT INTO lead_events (tenant_id, lead_id, kind, reason, occurred_at)
    VALUES (NEW.tenant_id, NEW.id, 'converted', NEW.converted_by, now());
  ELSIF cardinality(before) > 0 AND cardinality(NEW.converted_reasons) = 0 THEN
    INSERT INTO lead_events (tenant_id, lead_id, kind, occurred_at) VALUES (NEW.tenant_id, NEW.id, 'unconverted', now());
  END IF;
  IF NEW.converted_tag_relay IS NOT NULL AND NEW.converted_tag_relay IS DISTINCT FROM relay_before THEN
    INSERT INTO outbox_jobs (tenant_id, lead_id, kind)
    SELECT NEW.tenant_id, NEW.id, 'sync_lead'
     WHERE NOT EXISTS (SELECT 1 FROM outbox_jobs o
                        WHERE o.tenant_id = NEW.tenant_id AND o.lead_id = NEW.id AND o.kind = 'sync_lead'
                          AND o.done_at IS NULL AND o.failed_at IS NULL AND o.leased_until IS NULL);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER leads_conversion_on_insert BEFORE INSERT ON leads FOR EACH ROW
  WHEN (cardinality(NEW.tags) > 0 OR NEW.converted_sale_at IS NOT NULL OR NEW.converted_api_at IS NOT NULL)
  EXECUTE FUNCTION clientflow_lead_conversion();
CREATE TRIGGER leads_conversion_on_update BEFORE UPDATE ON leads FOR EACH ROW
  WHEN (OLD.tags IS DISTINCT FROM NEW.tags OR OLD.tag_clock IS DISTINCT FROM NEW.tag_clock
        OR OLD.converted_sale_at IS DISTINCT FROM NEW.converted_sale_at
        OR OLD.converted_api_at IS DISTINCT FROM NEW.converted_api_at
        OR OLD.converted_tag_relay IS DISTINCT FROM NEW.converted_tag_relay)
  EXECUTE FUNCTION clientflow_lead_conversion();
CREATE TRIGGER leads_conversion_effects_on_insert AFTER INSERT ON leads FOR EACH ROW
  WHEN (cardinality(NEW.converted_reasons) > 0 OR NEW.converted_tag_relay IS NOT NULL)
  EXECUTE FUNCTION clientflow_lead_conversion_effects();
CREATE TRIGGER leads_conversion_effects_on_update AFTER UPDATE ON leads FOR EACH ROW
  WHEN (OLD.converted_reasons IS DISTINCT FROM NEW.converted_reasons
        OR OLD.converted_tag_relay IS DISTINCT FROM NEW.converted_tag_relay)
  EXECUTE FUNCTION clientflow_lead_conversion_effects();

-- AFTER INSERT of a sale's timeline entry: the sale is recorded by its order (order.id from the
-- stored delivery's body), and the lead's earliest standing sale updated unless the session says
-- sales do not convert (SET LOCAL clientflow.convert_on_sale = off: leads.convert_on_sale false).
CREATE FUNCTION clientflow_lead_sale() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  sale_order text;
  sale_at timestamptz := coalesce(NEW.occurred_at, NEW.received_at);
BEGIN
  BEGIN
    SELECT convert_from(e.body, 'UTF8')::jsonb #>> '{order,id}' INTO sale_order
      FROM webhook_events e WHERE e.id = NEW.webhook_event_id;
  EXCEPTION WHEN others THEN
    sale_order := NULL;  -- a body PostgreSQL cannot read as JSON: the sale stands alone
  END;
  sale_order := coalesce(nullif(sale_order, ''), 'event:' || NEW.webhook_event_id, 'entry:' || NEW.id);
  INSERT INTO lead_sales AS s (tenant_id, lead_id, order_key, sold_at, canceled_at)
  VALUES (NEW.tenant_id, NEW.lead_id, sale_order,
          CASE WHEN NEW.kind = 'sale_new' THEN sale_at END, CASE WHEN NEW.kind = 'sale_canceled' THEN sale_at END)
  ON CONFLICT (tenant_id, lead_id, order_key) DO UPDATE
    SET sold_at = coalesce(s.sold_at, EXCLUDED.sold_at), canceled_at = coalesce(s.canceled_at, EXCLUDED.canceled_at);
  IF coalesce(current_setting('clientflow.convert_on_sale', true), '') <> 'off' THEN
    UPDATE leads l
       SET converted_sale_at = (SELECT min(s.sold_at) FROM lead_sales s
                                 WHERE s.tenant_id = l.tenant_id AND s.lead_id = l.id
                                   AND s.sold_at IS NOT NULL AND s.canceled_at IS NULL),
           updated_at = now()
     WHERE l.tenant_id = NEW.tenant_id AND l.id = NEW.lead_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER lead_events_sale AFTER INSERT ON lead_events FOR EACH ROW
  WHEN (NEW.kind IN ('sale_new', 'sale_canceled'))
  EXECUTE FUNCTION clientflow_lead_sale();
