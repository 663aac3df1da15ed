#include "reconcile/reconciler.h"

#include <chrono>

#include "reconcile/reconcile_metrics.h"

namespace cf::reconcile {

namespace {

// The findings as they stand now, one statement per kind, into a temporary table.
constexpr const char* kDetect = R"sql(
-- partial: evidence from part of the contacts only (unknown prefixes in an incremental run),
-- which may open or reopen a finding but not rewrite its evidence.
CREATE TEMPORARY TABLE current_findings (
  kind text, subject text, tenants jsonb, evidence jsonb, fingerprint text, partial boolean DEFAULT false
) ON COMMIT DROP;

-- Every tenant-shaped prefix on a mirrored contact's tags.
CREATE TEMPORARY TABLE contact_prefixes ON COMMIT DROP AS
  SELECT c.contact_id, c.email, c.updated_at,
         'ib-' || split_part(lower(t), '-', 2) || '-' AS prefix, t AS tag
    FROM systeme_contacts c, jsonb_array_elements_text(c.tags) AS t
   WHERE t ~* '^ib-[a-z0-9]{3,32}-' AND contact_scope(c.contact_id);
ANALYZE contact_prefixes;

-- The contacts worth a closer look: carrying a tenant's tag without being that tenant's lead,
-- or carrying owner fields. Only these need their owners worked out.
CREATE TEMPORARY TABLE contacts_of_interest ON COMMIT DROP AS
  SELECT p.contact_id FROM contact_prefixes p JOIN tenants t ON t.prefix = p.prefix
   WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.tenant_id = t.id AND l.systeme_contact_id = p.contact_id)
     AND NOT EXISTS (SELECT 1 FROM leads l WHERE l.tenant_id = t.id AND l.email = p.email)
  UNION
  SELECT contact_id FROM systeme_contacts
   WHERE (fields ? 'ib_owner_id' OR fields ? 'ib_prefix') AND contact_scope(contact_id);

-- Which tenants have a lead for each such contact (by contact id or email). Two disjoint joins,
-- not one with OR: an OR join cannot use hashing and crawls at scale.
CREATE TEMPORARY TABLE contact_owners ON COMMIT DROP AS
  SELECT c.contact_id, l.tenant_id, l.id AS lead_id, l.created_at
    FROM contacts_of_interest i JOIN systeme_contacts c USING (contact_id)
    JOIN leads l ON l.systeme_contact_id = c.contact_id
  UNION ALL
  SELECT c.contact_id, l.tenant_id, l.id AS lead_id, l.created_at
    FROM contacts_of_interest i JOIN systeme_contacts c USING (contact_id)
    JOIN leads l ON l.email = c.email
   WHERE l.systeme_contact_id IS DISTINCT FROM c.contact_id;
CREATE INDEX ON contact_owners (contact_id);
ANALYZE contact_owners;

-- shared_contact: one person (email, or Systeme.io contact id) is a lead of several tenants.
INSERT INTO current_findings
  SELECT 'shared_contact', l.email,
         jsonb_agg(jsonb_build_object('tenant_id', l.tenant_id, 'lead_id', l.id, 'captured_at', l.created_at)
                   ORDER BY l.created_at, l.tenant_id),
         jsonb_build_object('email', l.email,
                            'contact_ids', coalesce(jsonb_agg(DISTINCT l.systeme_contact_id)
                                                    FILTER (WHERE l.systeme_contact_id IS NOT NULL), '[]')),
         md5(string_agg(l.tenant_id::text || '/' || l.id::text, ',' ORDER BY l.tenant_id, l.id))
    FROM leads l
   -- (tenant_id, email) is unique, so two rows for an email are two tenants.
   WHERE l.email IN (SELECT email FROM leads WHERE email_scope(email) GROUP BY email HAVING count(*) > 1)
   GROUP BY l.email
  -- Not when an admin assigned the person to all of these tenants.
  HAVING NOT EXISTS (SELECT 1 FROM contact_assignments a
                      WHERE a.email = l.email AND a.tenant_ids @> array_agg(l.tenant_id));
INSERT INTO current_findings
  SELECT 'shared_contact', 'contact:' || l.systeme_contact_id,
         jsonb_agg(jsonb_build_object('tenant_id', l.tenant_id, 'lead_id', l.id, 'captured_at', l.created_at)
                   ORDER BY l.created_at, l.tenant_id),
         jsonb_build_object('contact_id', l.systeme_contact_id, 'emails', jsonb_agg(DISTINCT l.email)),
         md5(string_agg(l.tenant_id::text || '/' || l.id::text, ',' ORDER BY l.tenant_id, l.id))
    FROM leads l
   WHERE l.systeme_contact_id IN (
           SELECT systeme_contact_id FROM leads
            WHERE systeme_contact_id IN (SELECT systeme_contact_id FROM leads WHERE systeme_contact_id IS NOT NULL
                                            AND contact_scope(systeme_contact_id) GROUP BY 1 HAVING count(*) > 1)
            GROUP BY 1 HAVING count(DISTINCT tenant_id) > 1 AND count(DISTINCT email) > 1)
   GROUP BY l.systeme_contact_id;

-- foreign_prefix: a tenant's prefixed tags on a contact it has no lead for, that another owns.
INSERT INTO current_findings
  SELECT 'foreign_prefix', p.contact_id || ':' || p.prefix,
         (SELECT jsonb_agg(jsonb_build_object('tenant_id', o.tenant_id, 'lead_id', o.lead_id, 'captured_at', o.created_at)
                           ORDER BY o.created_at)
            FROM contact_owners o WHERE o.contact_id = p.contact_id)
           || jsonb_build_array(jsonb_build_object('tenant_id', t.id, 'lead_id', NULL, 'captured_at', NULL)),
         jsonb_build_object('contact_id', p.contact_id, 'email', min(p.email), 'prefix', p.prefix,
                            'foreign_tenant_id', t.id, 'tags', jsonb_agg(DISTINCT p.tag)),
         md5(string_agg(DISTINCT p.tag, ',') || '|' ||
             (SELECT string_agg(o.tenant_id::text, ',' ORDER BY o.tenant_id) FROM contact_owners o
               WHERE o.contact_id = p.contact_id))
    FROM contact_prefixes p
    JOIN tenants t ON t.prefix = p.prefix
   WHERE NOT EXISTS (SELECT 1 FROM contact_owners o WHERE o.contact_id = p.contact_id AND o.tenant_id = t.id)
     AND EXISTS (SELECT 1 FROM contact_owners o WHERE o.contact_id = p.contact_id AND o.tenant_id <> t.id)
   GROUP BY p.contact_id, p.prefix, t.id;

-- owner_mismatch: ib_owner_id / ib_prefix disagree, name no tenant, or a tenant with no lead here.
INSERT INTO current_findings
  SELECT 'owner_mismatch', c.contact_id::text,
         coalesce((SELECT jsonb_agg(jsonb_build_object('tenant_id', o.tenant_id, 'lead_id', o.lead_id, 'captured_at', o.created_at)
                                    ORDER BY o.created_at)
                     FROM contact_owners o WHERE o.contact_id = c.contact_id), '[]'),
         jsonb_build_object('contact_id', c.contact_id, 'email', c.email,
                            'ib_owner_id', c.fields->>'ib_owner_id', 'ib_prefix', c.fields->>'ib_prefix',
                            'problem', CASE
                              WHEN owner.id IS NULL AND by_prefix.id IS NULL THEN 'names no tenant'
                              WHEN owner.id IS NULL OR by_prefix.id IS NULL OR owner.id <> by_prefix.id
                                THEN 'ib_owner_id and ib_prefix disagree'
                              ELSE 'the named tenant has no lead for this contact' END),
         md5(coalesce(c.fields->>'ib_owner_id', '') || '|' || coalesce(c.fields->>'ib_prefix', '') || '|' ||
             coalesce((SELECT string_agg(o.tenant_id::text, ',' ORDER BY o.tenant_id) FROM contact_owners o
                        WHERE o.contact_id = c.contact_id), ''))
    FROM systeme_contacts c
    LEFT JOIN tenants owner ON owner.id::text = c.fields->>'ib_owner_id'
    LEFT JOIN tenants by_prefix ON by_prefix.prefix = c.fields->>'ib_prefix'
   WHERE (c.fields ? 'ib_owner_id' OR c.fields ? 'ib_prefix') AND contact_scope(c.contact_id)
     AND (owner.id IS NULL OR by_prefix.id IS NULL OR owner.id <> by_prefix.id
          OR NOT EXISTS (SELECT 1 FROM contact_owners o WHERE o.contact_id = c.contact_id AND o.tenant_id = owner.id));

-- unknown_prefix: tenant-shaped prefixes no tenant owns, with how many contacts carry them.
INSERT INTO current_findings
  SELECT 'unknown_prefix', p.prefix, '[]',
         jsonb_build_object('prefix', p.prefix, 'contacts', count(DISTINCT p.contact_id),
                            'examples', (array_agg(DISTINCT p.email) FILTER (WHERE p.email IS NOT NULL))[1:3],
                            'last_seen', max(p.updated_at)),
         md5(count(DISTINCT p.contact_id)::text), NOT contact_scope(NULL)
    FROM contact_prefixes p
   WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.prefix = p.prefix)
   GROUP BY p.prefix;

-- Partial evidence does not overwrite what a full run recorded.
UPDATE current_findings c SET tenants = f.tenants, evidence = f.evidence, fingerprint = f.fingerprint
  FROM findings f WHERE c.partial AND f.kind = c.kind AND f.subject = c.subject;
)sql";

// Merge: insert new findings, update changed ones (reopening resolved, and dismissed ones whose
// evidence changed), then resolve what is no longer there.
constexpr const char* kMerge = R"sql(
WITH merged AS (
  INSERT INTO findings AS f (kind, subject, tenants, evidence, fingerprint)
  SELECT kind, subject, tenants, evidence, fingerprint FROM current_findings
  ON CONFLICT (kind, subject) DO UPDATE SET
    tenants = EXCLUDED.tenants, evidence = EXCLUDED.evidence, fingerprint = EXCLUDED.fingerprint,
    last_seen = now(),
    status = CASE WHEN clientflow_finding_reopens(f.status, f.fingerprint, f.assigned_fingerprint, EXCLUDED.fingerprint)
                  THEN 'open' ELSE f.status END,
    status_by = CASE WHEN clientflow_finding_reopens(f.status, f.fingerprint, f.assigned_fingerprint, EXCLUDED.fingerprint)
                     THEN 'reconciler' ELSE f.status_by END,
    status_at = CASE WHEN clientflow_finding_reopens(f.status, f.fingerprint, f.assigned_fingerprint, EXCLUDED.fingerprint)
                     THEN now() ELSE f.status_at END,
    status_note = CASE WHEN NOT clientflow_finding_reopens(f.status, f.fingerprint, f.assigned_fingerprint, EXCLUDED.fingerprint)
                         THEN f.status_note
                       WHEN f.status = 'resolved' AND f.assigned_fingerprint IS NULL THEN 'came back'
                       ELSE 'evidence changed' END,
    assigned_fingerprint = CASE WHEN clientflow_finding_reopens(f.status, f.fingerprint, f.assigned_fingerprint, EXCLUDED.fingerprint)
                                THEN NULL ELSE f.assigned_fingerprint END
  RETURNING (xmax = 0) AS inserted, f.status, f.fingerprint
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged
)sql";


// What is no longer there resolves. An incremental run only judges what it looked at, and leaves
// unknown prefixes (counted over every contact) to full runs.
constexpr const char* kResolveAll = R"sql(
UPDATE findings f SET status = 'resolved', status_by = 'reconciler', status_at = now(), status_note = 'condition cleared'
 WHERE status IN ('open', 'acknowledged')
   AND NOT EXISTS (SELECT 1 FROM current_findings c WHERE c.kind = f.kind AND c.subject = f.subject)
)sql";
constexpr const char* kResolveInScope = R"sql(
UPDATE findings f SET status = 'resolved', status_by = 'reconciler', status_at = now(), status_note = 'condition cleared'
 WHERE status IN ('open', 'acknowledged')
   AND NOT EXISTS (SELECT 1 FROM current_findings c WHERE c.kind = f.kind AND c.subject = f.subject)
   AND ((f.kind = 'shared_contact' AND f.subject IN (SELECT email FROM scope_emails
                                                     UNION ALL SELECT 'contact:' || contact_id FROM scope_contacts))
        OR (f.kind IN ('foreign_prefix', 'owner_mismatch')
            AND split_part(f.subject, ':', 1) IN (SELECT contact_id::text FROM scope_contacts)))
)sql";

// An incremental run with more changes than this to look at runs in full: one pass over
// everything is then cheaper than looking people up one by one.
constexpr long long kIncrementalLimit = 50000;

// What an incremental run looks at: the contacts and emails of the deliveries stored and the
// leads created since the run before the last one (numbers can commit slightly out of order),
// each widened to the other identity of the same person (a contact's email, an email's contacts).
constexpr const char* kScope = R"sql(
CREATE TEMPORARY TABLE scope_contacts ON COMMIT DROP AS
  SELECT DISTINCT contact_id FROM webhook_events WHERE id > $1 AND contact_id IS NOT NULL;
CREATE TEMPORARY TABLE scope_emails ON COMMIT DROP AS
  SELECT email FROM webhook_events WHERE id > $1 AND email IS NOT NULL
  UNION SELECT email FROM leads WHERE capture_seq > $2
  UNION SELECT email FROM systeme_contacts
         WHERE contact_id = ANY (ARRAY(SELECT contact_id FROM scope_contacts)) AND email IS NOT NULL;
INSERT INTO scope_contacts
  SELECT contact_id FROM systeme_contacts WHERE email = ANY (ARRAY(SELECT email FROM scope_emails))
  UNION SELECT systeme_contact_id FROM leads
         WHERE email = ANY (ARRAY(SELECT email FROM scope_emails)) AND systeme_contact_id IS NOT NULL
  EXCEPT SELECT contact_id FROM scope_contacts;
ANALYZE scope_contacts;
ANALYZE scope_emails;
)sql";

// Replaces each contact_scope(x) / email_scope(x) in `sql`: always true in a full run, else a test
// against the scope tables. contact_scope(NULL) says whether this is a full run.
std::string scoped(std::string sql, bool full) {
  for (const std::string name : {"contact_scope(", "email_scope("}) {
    // = ANY of an array, not IN a subquery: the planner then looks rows up by index.
    const std::string table = name == "contact_scope(" ? "(ARRAY(SELECT contact_id FROM scope_contacts))"
                                                       : "(ARRAY(SELECT email FROM scope_emails))";
    for (std::size_t at = sql.find(name); at != std::string::npos; at = sql.find(name, at)) {
      std::size_t close = at + name.size();
      for (int depth = 1; depth > 0; ++close) {
        if (sql[close] == '(') ++depth;
        if (sql[close] == ')') --depth;
      }
      --close;  // at the matching ')'

      const std::string expr = sql.substr(at + name.size(), close - at - name.size());
      const std::string test = full ? std::string("true") : expr == "NULL" ? std::string("false") : expr + " = ANY " + table;
      sql.replace(at, close + 1 - at, "(" + test + ")");
      at += test.size();
    }
  }
  return sql;
}

// One run inside its transaction (reconcile_once adds the metrics).
Summary run_once(pqxx::connection& connection, Mode mode) {
  Summary summary;
  pqxx::work tx(connection);
  if (!tx.exec_params1("SELECT pg_try_advisory_xact_lock($1)", kReconcileLock)[0].as<bool>()) {
    summary.skipped = true;
    return summary;
  }
  // The detection statements are each run once: compiling them (JIT) costs more than it saves,
  // about 0.9 s of a 10 s full run over a million leads (bench/README.md).
  tx.exec0("SET LOCAL jit = off");
  const auto state = tx.exec1(
      "SELECT previous_event_watermark, previous_lead_watermark, tenants_seen, last_full_at IS NULL, "
      "(SELECT coalesce(max(id), 0) FROM webhook_events), (SELECT coalesce(max(capture_seq), 0) FROM leads), "
      "(SELECT count(*) FROM tenants) FROM reconcile_state");
  const long long event_watermark = state[4].as<long long>();
  const long long lead_watermark = state[5].as<long long>();
  const long long tenants = state[6].as<long long>();
  // A tenant added or removed changes what every prefix means: look at everything.
  const long long changes = (event_watermark - state[0].as<long long>()) + (lead_watermark - state[1].as<long long>());
  summary.full = mode == Mode::full || state[3].as<bool>() || tenants != state[2].as<long long>() ||
                 changes > kIncrementalLimit;

  if (!summary.full) {
    std::string scope = kScope;  // several statements: values inlined, not bound
    for (const auto& [name, value] : {std::pair<std::string, std::string>{"$1", tx.quote(state[0].as<long long>())},
                                      {"$2", tx.quote(state[1].as<long long>())}}) {
      for (auto at = scope.find(name); at != std::string::npos; at = scope.find(name, at + value.size())) {
        scope.replace(at, name.size(), value);
      }
    }
    tx.exec(scope);
  }
  // Fingerprints before the run, to count only findings that really changed.
  tx.exec0("CREATE TEMPORARY TABLE before_run ON COMMIT DROP AS SELECT id, status, fingerprint FROM findings");
  tx.exec(scoped(kDetect, summary.full));
  const auto merged = tx.exec1(kMerge);
  summary.created = merged[0].as<int>();
  summary.updated = tx.exec1(
      "SELECT count(*) FROM findings f JOIN before_run b ON b.id = f.id "
      "WHERE b.fingerprint <> f.fingerprint OR b.status <> f.status")[0].as<int>();
  // What is no longer there resolves; an incremental run only judges what it looked at, and
  // leaves unknown prefixes (counted over every contact) to full runs.
  summary.resolved = static_cast<int>(tx.exec(summary.full ? kResolveAll : kResolveInScope).affected_rows());
  if (summary.full) {
    summary.contacts = tx.exec1("SELECT count(*) FROM systeme_contacts")[0].as<long long>();
    summary.leads = tx.exec1("SELECT count(*) FROM leads")[0].as<long long>();
  } else {
    summary.contacts = tx.exec1("SELECT count(*) FROM scope_contacts")[0].as<long long>();
    summary.leads = tx.exec1("SELECT count(*) FROM leads WHERE email = ANY (ARRAY(SELECT email FROM scope_emails)) "
                             "OR systeme_contact_id = ANY (ARRAY(SELECT contact_id FROM scope_contacts))")[0].as<long long>();
  }
  for (const auto& row : tx.exec("SELECT kind, count(*) FROM findings WHERE status IN ('open', 'acknowledged') "
                                 "GROUP BY kind ORDER BY kind")) {
    summary.open_by_kind[row[0].as<std::string>()] = row[1].as<int>();
  }
  tx.exec_params(
      "UPDATE reconcile_state SET previous_event_watermark = event_watermark, event_watermark = $1, "
      "previous_lead_watermark = lead_watermark, lead_watermark = $2, last_run_at = now(), tenants_seen = $3, "
      "last_full_at = CASE WHEN $4 THEN now() ELSE last_full_at END",
      event_watermark, lead_watermark, tenants, summary.full);
  tx.commit();
  return summary;
}

}  // namespace

Summary reconcile_once(pqxx::connection& connection, Mode mode) {
  const auto started = std::chrono::steady_clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  try {
    const Summary summary = run_once(connection, mode);
    metrics::run_finished(summary.full ? "full" : "incremental", summary.skipped ? "skipped" : "ok", seconds());
    return summary;
  } catch (...) {
    metrics::run_finished(mode == Mode::full ? "full" : "incremental", "error", seconds());
    throw;
  }
}

std::string describe(const Summary& summary) {
  if (summary.skipped) return "another reconcile run is in progress; nothing done";
  std::string out = std::string(summary.full ? "full run: " : "incremental run: ") + "checked " + std::to_string(summary.contacts) + " contacts and " + std::to_string(summary.leads) +
                    " leads: " + std::to_string(summary.created) + " new, " + std::to_string(summary.updated) +
                    " updated, " + std::to_string(summary.resolved) + " resolved; open:";
  if (summary.open_by_kind.empty()) return out + " none";
  bool first = true;
  for (const auto& [kind, count] : summary.open_by_kind) {
    out += (first ? " " : ", ") + kind + " " + std::to_string(count);
    first = false;
  }
  return out;
}

}  // namespace cf::reconcile
