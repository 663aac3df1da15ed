// The reconciler's pure parts, without a database: when a run is full (asked for, by the
// schedule's clock, or by the state of the data), the summaries it logs and prints, the findings'
// report formats and action checks, and the mirror rows a contact sync writes.
#define BOOST_TEST_MODULE reconcile
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "reconcile/findings.h"
#include "reconcile/mirror_sync.h"
#include "reconcile/reconciler.h"
#include "reconcile/schedule.h"

using namespace cf;
using namespace cf::reconcile;
using nlohmann::json;

namespace {

// A clock that moves only when the test says so.
class FakeClock : public Clock {
 public:
  EpochMs now_ms() const override { return now; }
  void advance(std::chrono::milliseconds by) { now += by.count(); }
  EpochMs now = 1'800'000'000'000;
};

// A state in which nothing asks for a full run: a full run was recorded, the tenants are those
// the last run saw, and 100 deliveries and 50 leads are new.
RunState quiet_state() {
  RunState state;
  state.never_full = false;
  state.previous_event_watermark = 1000;
  state.event_watermark = 1100;
  state.previous_lead_watermark = 500;
  state.lead_watermark = 550;
  state.tenants_seen = 3;
  state.tenants = 3;
  return state;
}

Summary summary_of(bool full, bool skipped = false) {
  Summary summary;
  summary.full = full;
  summary.skipped = skipped;
  return summary;
}

Finding finding(long long id, const std::string& kind, const std::string& subject, const std::string& status) {
  Finding f;
  f.id = id;
  f.kind = kind;
  f.subject = subject;
  f.status = status;
  f.tenants = json::array();
  f.evidence = json::object();
  f.first_seen = f.last_seen = "2026-11-03T00:00:00Z";
  return f;
}

// A shared contact an admin acknowledged, subject and note needing care in CSV.
Finding shared_finding() {
  Finding f = finding(7, "shared_contact", "=a@example.com", "acknowledged");
  f.tenants = json::array({{{"tenant_id", "t-one"}, {"lead_id", "l-1"}, {"captured_at", "2026-11-01"}},
                           {{"tenant_id", "t-two"}, {"lead_id", nullptr}, {"captured_at", nullptr}}});
  f.evidence = {{"email", "a@example.com"}};
  f.fingerprint = "abc";
  f.first_seen = "2026-11-01T10:00:00Z";
  f.last_seen = "2026-11-02T10:00:00Z";
  f.status_by = "alice";
  f.status_at = "2026-11-02T11:00:00Z";
  f.status_note = "line one\nline two";
  f.held_deliveries = {30, 12};
  return f;
}

// A new foreign prefix, nothing set by an admin.
Finding foreign_finding() { return finding(12, "foreign_prefix", "42:ib-bbb222-", "open"); }

}  // namespace

BOOST_AUTO_TEST_SUITE(full_or_incremental)

BOOST_AUTO_TEST_CASE(a_quiet_state_runs_incrementally) {
  BOOST_TEST(!runs_in_full(Mode::incremental, quiet_state()));
  BOOST_TEST(runs_in_full(Mode::full, quiet_state()));
}

BOOST_AUTO_TEST_CASE(the_first_run_is_full) {
  RunState state = quiet_state();
  state.never_full = true;
  BOOST_TEST(runs_in_full(Mode::incremental, state));
}

BOOST_AUTO_TEST_CASE(a_tenant_added_or_removed_makes_it_full) {
  RunState added = quiet_state();
  added.tenants = 4;
  BOOST_TEST(runs_in_full(Mode::incremental, added));
  RunState removed = quiet_state();
  removed.tenants = 2;
  BOOST_TEST(runs_in_full(Mode::incremental, removed));
}

BOOST_AUTO_TEST_CASE(more_than_the_limit_of_changes_makes_it_full) {
  RunState state = quiet_state();
  // 49,000 deliveries and 1,000 leads: exactly the limit, still incremental.
  state.event_watermark = state.previous_event_watermark + 49000;
  state.lead_watermark = state.previous_lead_watermark + 1000;
  BOOST_TEST(kIncrementalLimit == 50000);
  BOOST_TEST(!runs_in_full(Mode::incremental, state));
  state.lead_watermark += 1;
  BOOST_TEST(runs_in_full(Mode::incremental, state));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(schedule)

BOOST_AUTO_TEST_CASE(intervals) {
  FakeClock clock;
  const Schedule every_15_min(Secret(""), std::chrono::seconds(900), std::chrono::seconds(86400), clock);
  BOOST_TEST(every_15_min.interval().count() == 900);
  BOOST_TEST(every_15_min.first_delay().count() == 30);
  const Schedule every_10_s(Secret(""), std::chrono::seconds(10), std::chrono::seconds(60), clock);
  BOOST_TEST(every_10_s.interval().count() == 10);
  BOOST_TEST(every_10_s.first_delay().count() == 10);
}

// Runs every 15 minutes, a full one hourly, on a fake clock.
struct Hourly {
  FakeClock clock;
  Schedule schedule{Secret(""), std::chrono::seconds(900), std::chrono::seconds(3600), clock};
  bool full_next() const { return schedule.next_mode() == Mode::full; }
};

BOOST_FIXTURE_TEST_CASE(a_full_run_is_due_a_full_interval_after_the_start, Hourly) {
  BOOST_TEST(!full_next());
  clock.advance(std::chrono::milliseconds(3'599'999));
  BOOST_TEST(!full_next());
  clock.advance(std::chrono::milliseconds(1));
  BOOST_TEST(full_next());
}

BOOST_FIXTURE_TEST_CASE(a_full_run_starts_the_wait_again, Hourly) {
  clock.advance(std::chrono::hours(2));
  BOOST_TEST(full_next());
  schedule.ran(summary_of(true));
  BOOST_TEST(!full_next());
  clock.advance(std::chrono::hours(1));
  BOOST_TEST(full_next());
}

BOOST_FIXTURE_TEST_CASE(a_run_the_reconciler_made_full_counts, Hourly) {
  clock.advance(std::chrono::minutes(50));
  schedule.ran(summary_of(true));  // asked incremental, turned full (a new tenant)
  clock.advance(std::chrono::minutes(50));
  BOOST_TEST(!full_next());
}

BOOST_FIXTURE_TEST_CASE(incremental_and_skipped_runs_change_nothing, Hourly) {
  clock.advance(std::chrono::hours(1));
  schedule.ran(summary_of(false));
  BOOST_TEST(full_next());
  schedule.ran(summary_of(true, true));  // another daemon's run held the lock
  BOOST_TEST(full_next());
}

BOOST_AUTO_TEST_CASE(the_steady_clock_does_not_go_back) {
  const SteadyClock clock;
  const EpochMs first = clock.now_ms();
  BOOST_TEST(clock.now_ms() >= first);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(summaries)

BOOST_AUTO_TEST_CASE(describe_a_run) {
  Summary summary;
  summary.contacts = 12;
  summary.leads = 30;
  summary.created = 2;
  summary.updated = 1;
  BOOST_TEST(describe(summary) == "incremental run: checked 12 contacts and 30 leads: 2 new, 1 updated, 0 resolved; open: none");
  summary.full = true;
  summary.resolved = 4;
  summary.open_by_kind = {{"unknown_prefix", 1}, {"foreign_prefix", 3}, {"shared_contact", 2}};
  BOOST_TEST(describe(summary) == "full run: checked 12 contacts and 30 leads: 2 new, 1 updated, 4 resolved; "
                                  "open: foreign_prefix 3, shared_contact 2, unknown_prefix 1");
  BOOST_TEST(describe(summary_of(true, true)) == "another reconcile run is in progress; nothing done");
}

BOOST_AUTO_TEST_CASE(describe_a_sync) {
  SyncProgress progress{false, 3, 250, 2, std::nullopt};  // 3 pages, 250 contacts, 2 retries
  BOOST_TEST(describe(progress) == "synced 250 contacts in 3 pages (2 retried answers)");
  progress.resumed = true;
  progress.removed = 1;
  BOOST_TEST(describe(progress) == "resumed: synced 250 contacts in 3 pages (2 retried answers), removed 1 no longer in Systeme.io");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reports)

BOOST_AUTO_TEST_CASE(text) {
  BOOST_TEST(report_text({shared_finding(), foreign_finding()}) ==
             "ID     KIND            STATUS        SUBJECT                                 TENANTS (first capture first)\n"
             "7      shared_contact  acknowledged  =a@example.com                          t-one t-two(no lead)\n"
             "12     foreign_prefix  open          42:ib-bbb222-                           \n"
             "2 findings\n");
  BOOST_TEST(report_text({}) ==
             "ID     KIND            STATUS        SUBJECT                                 TENANTS (first capture first)\n"
             "0 findings\n");
}

BOOST_AUTO_TEST_CASE(csv) {
  BOOST_TEST(report_csv({shared_finding(), foreign_finding()}) ==
             "id,kind,status,subject,tenants,evidence,first_seen,last_seen,status_by,status_at,status_note\r\n"
             "7,shared_contact,acknowledged,'=a@example.com,t-one t-two(no lead),\"{\"\"email\"\":\"\"a@example.com\"\"}\","
             "2026-11-01T10:00:00Z,2026-11-02T10:00:00Z,alice,2026-11-02T11:00:00Z,\"line one\nline two\"\r\n"
             "12,foreign_prefix,open,42:ib-bbb222-,,{},2026-11-03T00:00:00Z,2026-11-03T00:00:00Z,,,\r\n");
}

BOOST_AUTO_TEST_CASE(csv_cells_a_spreadsheet_would_run_are_neutralised) {
  Finding f = foreign_finding();
  for (const std::string start : {"=", "+", "-", "@", "\t", "\r"}) {
    f.status_note = start + "1";
    const std::string csv = report_csv({f});
    const std::string expected = start == "\r" ? "\"'\r1\"" : "'" + start + "1";
    BOOST_TEST(csv.substr(csv.size() - 2 - expected.size(), expected.size()) == expected);
  }
}

BOOST_AUTO_TEST_CASE(json_of_a_finding) {
  const json shared = to_json(shared_finding());
  BOOST_TEST(shared == json({{"id", 7},
                             {"kind", "shared_contact"},
                             {"subject", "=a@example.com"},
                             {"status", "acknowledged"},
                             {"tenants", shared_finding().tenants},
                             {"evidence", {{"email", "a@example.com"}}},
                             {"fingerprint", "abc"},
                             {"first_seen", "2026-11-01T10:00:00Z"},
                             {"last_seen", "2026-11-02T10:00:00Z"},
                             {"status_by", "alice"},
                             {"status_at", "2026-11-02T11:00:00Z"},
                             {"status_note", "line one\nline two"},
                             {"held_deliveries", {30, 12}}}));
  // Never set: null, not "".
  const json foreign = to_json(foreign_finding());
  BOOST_TEST(foreign["status_by"].is_null());
  BOOST_TEST(foreign["status_at"].is_null());
  BOOST_TEST(foreign["status_note"].is_null());
  BOOST_TEST(foreign["held_deliveries"] == json::array());
  BOOST_TEST(report_json({shared_finding(), foreign_finding()}) == json({shared, foreign}).dump(2) + "\n");
  BOOST_TEST(report_json({}) == "[]\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(action_input) {
  BOOST_TEST(!check_action_input("alice", "").has_value());
  BOOST_TEST(!check_action_input(std::string(200, 'a'), std::string(2000, 'n')).has_value());
  BOOST_TEST(!check_action_input("alice", "two\nlines").has_value());
  const std::string by_rule = "by is required (who takes the action): at most 200 characters, no control characters";
  BOOST_TEST(check_action_input("", "")->message == by_rule);
  BOOST_TEST(check_action_input(std::string(201, 'a'), "")->message == by_rule);
  BOOST_TEST(check_action_input("al\nice", "")->message == by_rule);
  const std::string note_rule = "note must be at most 2000 characters, without U+0000";
  BOOST_TEST(check_action_input("alice", std::string(2001, 'n'))->message == note_rule);
  BOOST_TEST(check_action_input("alice", std::string("a\0b", 3))->message == note_rule);
}

BOOST_AUTO_TEST_CASE(mirror_rows_of_a_page) {
  const json items = json::parse(R"([
    {"id": 5, "email": "  Ann@Example.COM ", "tags": [{"id": 1, "name": "ib-aaa111-lead"}, {"id": 2}],
     "fields": [{"slug": "ib_prefix", "value": "ib-aaa111-"}, {"slug": "phone", "value": null}]},
    {"id": "6", "email": "skipped@example.com"},
    {"id": 7, "email": null, "fields": []},
    {"id": 8, "email": "", "tags": [], "fields": {"not": "a list"}}
  ])");
  BOOST_TEST(mirror_rows(items, 1234) == json::parse(R"([
    {"contact_id": 5, "email": "ann@example.com", "tags": ["ib-aaa111-lead"], "fields": {"ib_prefix": "ib-aaa111-"},
     "snapshot_at": 1234},
    {"contact_id": 7, "email": null, "tags": [], "fields": {}, "snapshot_at": 1234},
    {"contact_id": 8, "email": null, "tags": [], "fields": {}, "snapshot_at": 1234}
  ])"));
}
