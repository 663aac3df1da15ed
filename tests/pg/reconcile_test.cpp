// The reconciler against a real PostgreSQL, with findings produced by real deliveries and captures
// (the ingest and lead stores), not by inserting rows: every kind, ids stable across runs,
// resolve and reopen, dismissals that hold until the evidence changes, one run at a time, and the
// report formats.
#define BOOST_TEST_MODULE reconcile
#include <boost/test/unit_test.hpp>

#include "reconcile/assign.h"
#include "reconcile/findings.h"
#include "reconcile/reconciler.h"
#include "store/ingest_store.h"
#include "store/leads.h"
#include "store/tenants.h"
#include "tests/support/deliveries.h"
#include "tests/support/test_database.h"

using namespace cf;
using namespace cf::testing;
using nlohmann::json;

namespace {

struct World {
  TestDatabase db;
  std::unique_ptr<pqxx::connection> c;
  store::Caller a, b;
  int next_message = 0;

  World() {
    db.migrate();
    c = db.connect();
    store::TenantStore tenants(*c);
    const auto ta = *tenants.add(*store::TenantDraft::make("John", "john@example.com", "ib-aaa111-"));
    const auto tb = *tenants.add(*store::TenantDraft::make("Sarah", "sarah@example.com", "ib-bbb222-"));
    a = {ta.tenant.id, ta.tenant.prefix};
    b = {tb.tenant.id, tb.tenant.prefix};
  }
  void deliver(const std::string& type, const std::string& body) {
    const auto d = account_delivery(type, body, "m" + std::to_string(next_message++));
    store::IngestStore(*c).write({&d});
  }
  void capture(const store::Caller& caller, const std::string& email) {
    auto input = std::get<store::LeadInput>(store::parse_lead_input(
        R"({"email": ")" + email + R"(", "name": "T", "ib_type": "forex-ib", "monthly_leads": "0-50"})"));
    store::LeadStore(*c).capture(caller, input, DuplicatePolicy::allow);
  }
  std::vector<reconcile::Finding> findings(const std::string& status = "all", const std::string& kind = "") {
    return *reconcile::list_findings(*c, status, kind);
  }
};

// RFC 4180: quoted cells may hold commas, CRLF and doubled quotes.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        cell += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      rows.back().push_back(cell);
      cell.clear();
    } else if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(cell);
      cell.clear();
      rows.emplace_back();
      ++i;
    } else {
      cell += ch;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(every_kind_from_real_deliveries_and_captures, World) {
  // shared_contact: both IBs captured the same person.
  capture(a, "shared@example.com");
  capture(b, "shared@example.com");
  deliver("CONTACT_OPT_IN", contact_body(6, "shared@example.com", {}));  // ambiguous: held
  // foreign_prefix: B owns contact 7; A's workflow tags it.
  deliver("CONTACT_TAG_ADDED", tag_body(7, "owned@example.com", "ib-bbb222-demo-request"));
  deliver("CONTACT_TAG_ADDED", tag_body(7, "owned@example.com", "ib-aaa111-vip", {"ib-bbb222-demo-request"}));
  // unknown_prefix: a prefix no tenant has, on two contacts.
  deliver("CONTACT_TAG_ADDED", tag_body(8, "u1@example.com", "ib-zzz999-x"));
  deliver("CONTACT_TAG_ADDED", tag_body(9, "u2@example.com", "ib-zzz999-y"));
  // owner_mismatch: owner fields naming a tenant that does not exist.
  deliver("CONTACT_CREATED", R"({"contact": {"id": 10, "email": "m@example.com", "tags": [],
    "fields": [{"slug": "ib_owner_id", "value": "00000000-0000-4000-8000-000000000000"}, {"slug": "ib_prefix", "value": "ib-ccc333-"}]}})");

  const auto summary = reconcile::reconcile_once(*c);
  BOOST_TEST(!summary.skipped);
  BOOST_TEST(summary.created == 4);
  BOOST_TEST(summary.resolved == 0);
  BOOST_TEST(summary.open_by_kind.at("shared_contact") == 1);
  BOOST_TEST(summary.open_by_kind.at("foreign_prefix") == 1);
  BOOST_TEST(summary.open_by_kind.at("unknown_prefix") == 1);
  BOOST_TEST(summary.open_by_kind.at("owner_mismatch") == 1);

  const auto shared = findings("open", "shared_contact").at(0);
  BOOST_TEST(shared.subject == "shared@example.com");
  BOOST_TEST(shared.held_deliveries.size() == 1u);  // the opt-in that could not choose between them
  BOOST_TEST(shared.tenants.size() == 2u);
  BOOST_TEST(shared.tenants[0]["tenant_id"] == a.tenant_id);  // who captured first comes first
  const auto foreign = findings("open", "foreign_prefix").at(0);
  BOOST_TEST(foreign.subject == "7:ib-aaa111-");
  BOOST_TEST(foreign.evidence["foreign_tenant_id"] == a.tenant_id);
  BOOST_TEST(foreign.held_deliveries.size() == 1u);  // A's tag event on B's contact
  const auto unknown = findings("open", "unknown_prefix").at(0);
  BOOST_TEST(unknown.subject == "ib-zzz999-");
  BOOST_TEST(unknown.evidence["contacts"] == 2);
  const auto mismatch = findings("open", "owner_mismatch").at(0);
  BOOST_TEST(mismatch.evidence["problem"] == "names no tenant");

  // A second run changes nothing and keeps every id.
  const auto again = reconcile::reconcile_once(*c);
  BOOST_TEST(again.created == 0);
  BOOST_TEST(again.updated == 0);
  BOOST_TEST(again.resolved == 0);
  BOOST_TEST(findings("open", "shared_contact").at(0).id == shared.id);
  BOOST_TEST(findings().size() == 4u);
}

// Full runs: an unknown prefix is counted over every contact, so only a full run resolves one.
BOOST_FIXTURE_TEST_CASE(resolve_reopen_and_dismiss, World) {
  deliver("CONTACT_TAG_ADDED", tag_body(8, "u1@example.com", "ib-zzz999-x"));
  reconcile::reconcile_once(*c, reconcile::Mode::full);
  const auto first = findings("open", "unknown_prefix").at(0);

  // The tag goes away: the finding resolves, same id.
  deliver("CONTACT_TAG_REMOVED", tag_body(8, "u1@example.com", "ib-zzz999-x"));
  const auto cleared = reconcile::reconcile_once(*c, reconcile::Mode::full);
  BOOST_TEST(cleared.resolved == 1);
  BOOST_TEST(findings("resolved").at(0).id == first.id);
  BOOST_TEST(findings("resolved").at(0).status_by == "reconciler");

  // It comes back: reopened, same id.
  deliver("CONTACT_TAG_ADDED", tag_body(8, "u1@example.com", "ib-zzz999-x"));
  const auto back = reconcile::reconcile_once(*c, reconcile::Mode::full);
  BOOST_TEST(back.created == 0);
  BOOST_TEST(back.updated == 1);
  BOOST_TEST(findings("open").at(0).id == first.id);
  BOOST_TEST(findings("open").at(0).status_note == "came back");

  // Dismissed: stays dismissed across runs while the evidence is the same...
  auto dismissed = reconcile::set_finding_status(*c, first.id, "dismiss", "alice", "known test prefix");
  BOOST_REQUIRE(dismissed.ok());
  BOOST_TEST(dismissed->status_by == "alice");
  reconcile::reconcile_once(*c, reconcile::Mode::full);
  BOOST_TEST(findings("dismissed").size() == 1u);
  // ...and reopens when it changes (a second contact now carries the prefix).
  deliver("CONTACT_TAG_ADDED", tag_body(9, "u2@example.com", "ib-zzz999-y"));
  reconcile::reconcile_once(*c, reconcile::Mode::full);
  BOOST_TEST(findings("open").at(0).id == first.id);
  BOOST_TEST(findings("open").at(0).status_note == "evidence changed");

  BOOST_TEST((reconcile::set_finding_status(*c, first.id, "dismiss", "", "").error().kind == ErrorKind::invalid_input));
  BOOST_TEST((reconcile::set_finding_status(*c, 999999, "resolve", "bob", "").error().kind == ErrorKind::not_found));
  BOOST_TEST((reconcile::set_finding_status(*c, first.id, "delete", "bob", "").error().kind == ErrorKind::invalid_input));
}

BOOST_FIXTURE_TEST_CASE(assign_then_replay, World) {
  // A shared person: both IBs captured them; an opt-in naming neither is held as ambiguous.
  capture(a, "shared@example.com");
  capture(b, "shared@example.com");
  deliver("CONTACT_OPT_IN", contact_body(6, "shared@example.com", {}));
  // A foreign tag: B owns contact 7, A's workflow tagged it; held as foreign_prefix.
  deliver("CONTACT_TAG_ADDED", tag_body(7, "owned@example.com", "ib-bbb222-demo-request"));
  deliver("CONTACT_TAG_ADDED", tag_body(7, "owned@example.com", "ib-aaa111-vip", {"ib-bbb222-demo-request"}));
  reconcile::reconcile_once(*c);
  const auto shared = findings("open", "shared_contact").at(0);
  const auto foreign = findings("open", "foreign_prefix").at(0);

  // Refusals change nothing.
  BOOST_TEST((reconcile::assign_finding(*c, shared.id, "", "", {b.tenant_id}).error().kind == ErrorKind::invalid_input));
  BOOST_TEST((reconcile::assign_finding(*c, shared.id, "alice", "", {}).error().kind == ErrorKind::invalid_input));
  BOOST_TEST((reconcile::assign_finding(*c, shared.id, "alice", "", {"00000000-0000-4000-8000-000000000000"})
                  .error().kind == ErrorKind::invalid_input));
  BOOST_TEST((reconcile::assign_finding(*c, 999999, "alice", "", {b.tenant_id}).error().kind == ErrorKind::not_found));
  BOOST_TEST(findings("open").size() == 2u);

  // The shared person goes to B: the held opt-in routes there, onto B's lead only.
  auto to_b = reconcile::assign_finding(*c, shared.id, "alice", "B signed them first", {b.tenant_id});
  BOOST_REQUIRE(to_b.ok());
  BOOST_TEST(to_b->finding.status == "resolved");
  BOOST_TEST(to_b->finding.status_by == "alice");
  BOOST_TEST(to_b->replay.examined == 1);
  BOOST_REQUIRE(to_b->replay.changes.size() == 1u);
  BOOST_TEST(to_b->replay.changes[0].from == "ambiguous");
  BOOST_TEST(to_b->replay.changes[0].to == "routed");
  BOOST_TEST(to_b->replay.changes[0].tenant_id == b.tenant_id);
  const auto timeline = [&](const store::Caller& who, const std::string& email) {
    pqxx::read_transaction tx(*c);
    return tx.exec_params1("SELECT count(*) FROM lead_events e JOIN leads l ON l.tenant_id = e.tenant_id AND l.id = e.lead_id "
                           "WHERE l.tenant_id = $1 AND l.email = $2 AND e.kind = 'opt_in'",
                           who.tenant_id, email)[0].as<int>();
  };
  BOOST_TEST(timeline(b, "shared@example.com") == 1);
  BOOST_TEST(timeline(a, "shared@example.com") == 0);
  // Later opt-ins follow the assignment on receipt.
  deliver("CONTACT_OPT_IN", contact_body(6, "shared@example.com", {}));
  BOOST_TEST(timeline(b, "shared@example.com") == 2);

  // The foreign contact is given to both: A gets a lead, and A's held tag now applies to it.
  auto both = reconcile::assign_finding(*c, foreign.id, "alice", "", {b.tenant_id, a.tenant_id});
  BOOST_REQUIRE(both.ok());
  BOOST_REQUIRE(both->replay.changes.size() == 1u);
  BOOST_TEST(both->replay.changes[0].to == "routed");
  BOOST_TEST(both->replay.changes[0].tenant_id == a.tenant_id);
  {
    pqxx::read_transaction tx(*c);
    BOOST_TEST(tx.exec_params1("SELECT tags::text FROM leads WHERE tenant_id = $1 AND email = 'owned@example.com'",
                               a.tenant_id)[0].as<std::string>() == "{ib-aaa111-vip}");
  }

  // The next run keeps both resolved: the assignment settled the shared person, and A owning a
  // lead cleared the foreign tag. Nor is the contact now "shared": the admin gave it to both.
  const auto after = reconcile::reconcile_once(*c);
  BOOST_TEST(after.created == 0);
  BOOST_TEST(findings("open").size() == 0u);
  BOOST_TEST(findings("resolved").size() == 2u);

  // New evidence reopens the settled finding: a third IB captures the person.
  store::TenantStore tenants(*c);
  const auto tc = *tenants.add(*store::TenantDraft::make("Omar", "omar@example.com", "ib-ccc333-"));
  capture({tc.tenant.id, tc.tenant.prefix}, "shared@example.com");
  reconcile::reconcile_once(*c);
  BOOST_REQUIRE(findings("open").size() == 1u);
  BOOST_TEST(findings("open").at(0).id == shared.id);
  BOOST_TEST(findings("open").at(0).status_note == "evidence changed");
}

BOOST_FIXTURE_TEST_CASE(incremental_runs_read_only_what_changed, World) {
  capture(a, "shared@example.com");
  capture(b, "shared@example.com");
  for (int contact = 20; contact < 30; ++contact) {
    deliver("CONTACT_TAG_ADDED", tag_body(contact, "p" + std::to_string(contact) + "@example.com", "ib-aaa111-lead"));
  }
  const auto first = reconcile::reconcile_once(*c);
  BOOST_TEST(first.full);  // the first run looks at everything
  BOOST_TEST(first.created == 1);
  BOOST_TEST(first.contacts == 10);
  BOOST_TEST(first.leads == 12);
  // The next run reads back over the window before the last run (late commits), then nothing.
  const auto second = reconcile::reconcile_once(*c);
  BOOST_TEST(!second.full);
  BOOST_TEST(second.contacts == 10);
  const auto idle = reconcile::reconcile_once(*c);
  BOOST_TEST(!idle.full);
  BOOST_TEST(idle.contacts == 0);
  BOOST_TEST(idle.leads == 0);

  // One delivery: B's workflow tags A's contact 25. Only that person is read, and the finding is made.
  deliver("CONTACT_TAG_ADDED", tag_body(25, "p25@example.com", "ib-bbb222-x", {"ib-aaa111-lead"}));
  const auto one = reconcile::reconcile_once(*c);
  BOOST_TEST(!one.full);
  BOOST_TEST(one.contacts == 1);
  BOOST_TEST(one.leads == 1);
  BOOST_TEST(one.created == 1);
  BOOST_TEST(findings("open", "foreign_prefix").size() == 1u);

  // A change that came through no delivery (here written straight into the mirror) is outside
  // an incremental run's reach: proof that it reads only the changed people. A full run sees it.
  {
    pqxx::work tx(*c);
    tx.exec0("UPDATE systeme_contacts SET tags = tags || '[\"ib-bbb222-y\"]' WHERE contact_id = 27");
    tx.commit();
  }
  reconcile::reconcile_once(*c);
  const auto unseen = reconcile::reconcile_once(*c);
  BOOST_TEST(unseen.contacts == 0);
  BOOST_TEST(findings("open", "foreign_prefix").size() == 1u);
  const auto full = reconcile::reconcile_once(*c, reconcile::Mode::full);
  BOOST_TEST(full.full);
  BOOST_TEST(full.created == 1);
  BOOST_TEST(findings("open", "foreign_prefix").size() == 2u);

  // A new tenant changes what prefixes mean: the run turns full by itself.
  store::TenantStore(*c).add(*store::TenantDraft::make("Omar", "omar@example.com", "ib-ccc333-"));
  BOOST_TEST(reconcile::reconcile_once(*c).full);
}

BOOST_FIXTURE_TEST_CASE(one_run_at_a_time, World) {
  auto other = db.connect();
  pqxx::work holder(*other);
  holder.exec_params("SELECT pg_advisory_xact_lock($1)", reconcile::kReconcileLock);
  BOOST_TEST(reconcile::reconcile_once(*c).skipped);
  holder.abort();
  BOOST_TEST(!reconcile::reconcile_once(*c).skipped);
}

BOOST_FIXTURE_TEST_CASE(report_formats, World) {
  capture(a, "=cmd@example.com");
  capture(b, "=cmd@example.com");
  reconcile::reconcile_once(*c);
  const auto all = findings();
  const auto csv = reconcile::report_csv(all);
  // It parses back (RFC 4180): a header and one row of 11 cells, the evidence JSON intact.
  const auto rows = parse_csv(csv);
  BOOST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(rows[0].size() == 11u);
  BOOST_REQUIRE(rows[1].size() == 11u);
  BOOST_TEST(rows[0][3] == "subject");
  BOOST_TEST(rows[1][1] == "shared_contact");
  BOOST_TEST(rows[1][3] == "'=cmd@example.com");  // neutralised for spreadsheets
  BOOST_TEST(json::parse(rows[1][5]) == all[0].evidence);
  const auto parsed = json::parse(reconcile::report_json(all));
  BOOST_TEST(parsed.is_array());
  BOOST_TEST(parsed.size() == 1u);
  BOOST_TEST(parsed[0]["kind"] == "shared_contact");
  const auto text = reconcile::report_text(all);
  BOOST_TEST(text.find("1 finding\n") != std::string::npos);
  BOOST_TEST(!reconcile::list_findings(*c, "closed", "").ok());
  BOOST_TEST(!reconcile::list_findings(*c, "all", "typo").ok());
}
