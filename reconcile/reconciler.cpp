#include "reconcile/reconciler.h"

#include <chrono>

#include "reconcile/queries.h"
#include "reconcile/reconcile_metrics.h"

namespace cf::reconcile {

namespace {

// libpqxx 6.4 takes statements as std::string, not std::string_view.
std::string statement(std::string_view sql_text) { return std::string(sql_text); }

RunState read_state(pqxx::work& tx) {
  const auto row = tx.exec1(statement(sql::run_state));
  RunState state;
  state.previous_event_watermark = row[0].as<long long>();
  state.previous_lead_watermark = row[1].as<long long>();
  state.tenants_seen = row[2].as<long long>();
  state.never_full = row[3].as<bool>();
  state.event_watermark = row[4].as<long long>();
  state.lead_watermark = row[5].as<long long>();
  state.tenants = row[6].as<long long>();
  return state;
}

// The scope tables, always there: empty in a full run (its statements take everyone), else the
// people changed since the run before the last one, each widened to their other identity.
void collect_scope(pqxx::work& tx, const RunState& state, bool everyone) {
  tx.exec0(statement(sql::create_scope_contacts));
  tx.exec0(statement(sql::create_scope_emails));
  if (everyone) return;
  tx.exec_params(statement(sql::scope_changed_contacts), state.previous_event_watermark);
  tx.exec_params(statement(sql::scope_changed_emails), state.previous_event_watermark, state.previous_lead_watermark);
  tx.exec0(statement(sql::scope_contacts_of_emails));
  tx.exec0("ANALYZE scope_contacts");
  tx.exec0("ANALYZE scope_emails");
}

// The findings as they stand now, in current_findings: the contacts' prefixes and owners first,
// then one statement per kind.
void detect(pqxx::work& tx, bool everyone) {
  tx.exec0(statement(sql::create_current_findings));
  tx.exec_params(statement(sql::create_contact_prefixes), everyone);
  tx.exec0("ANALYZE contact_prefixes");
  tx.exec_params(statement(sql::create_contacts_of_interest), everyone);
  tx.exec0(statement(sql::create_contact_owners));
  tx.exec0("CREATE INDEX ON contact_owners (contact_id)");
  tx.exec0("ANALYZE contact_owners");
  tx.exec_params(statement(sql::shared_contact), everyone);
  tx.exec0(statement(sql::foreign_prefix));
  tx.exec_params(statement(sql::owner_mismatch), everyone);
  tx.exec_params(statement(sql::unknown_prefix), everyone);
  tx.exec0(statement(sql::keep_full_evidence));
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
  const RunState state = read_state(tx);
  summary.full = runs_in_full(mode, state);
  collect_scope(tx, state, summary.full);
  tx.exec0(statement(sql::snapshot_findings));
  detect(tx, summary.full);
  summary.created = tx.exec1(statement(sql::merge_findings))[0].as<int>();
  summary.updated = tx.exec1(statement(sql::count_changed_findings))[0].as<int>();
  summary.resolved = static_cast<int>(tx.exec_params(statement(sql::resolve_findings), summary.full).affected_rows());
  const auto examined = tx.exec_params1(statement(sql::count_examined), summary.full);
  summary.contacts = examined[0].as<long long>();
  summary.leads = examined[1].as<long long>();
  for (const auto& row : tx.exec(statement(sql::open_findings_by_kind))) {
    summary.open_by_kind[row[0].as<std::string>()] = row[1].as<int>();
  }
  tx.exec_params(statement(sql::save_run_state), state.event_watermark, state.lead_watermark, state.tenants, summary.full);
  tx.commit();
  return summary;
}

}  // namespace

bool runs_in_full(Mode mode, const RunState& state) {
  const long long changes = (state.event_watermark - state.previous_event_watermark) +
                            (state.lead_watermark - state.previous_lead_watermark);
  return mode == Mode::full || state.never_full || state.tenants != state.tenants_seen || changes > kIncrementalLimit;
}

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
  std::string out = std::string(summary.full ? "full run: " : "incremental run: ") + "checked " +
                    std::to_string(summary.contacts) + " contacts and " + std::to_string(summary.leads) + " leads: " +
                    std::to_string(summary.created) + " new, " + std::to_string(summary.updated) + " updated, " +
                    std::to_string(summary.resolved) + " resolved; open:";
  if (summary.open_by_kind.empty()) return out + " none";
  bool first = true;
  for (const auto& [kind, count] : summary.open_by_kind) {
    out += (first ? " " : ", ") + kind + " " + std::to_string(count);
    first = false;
  }
  return out;
}

}  // namespace cf::reconcile
