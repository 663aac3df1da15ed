// Reconciler: one reconcile run, set-based SQL over the leads and the Systeme.io contact mirror.
// It finds contacts shared between tenants, prefixed tags of a tenant on another tenant's contact,
// owner fields that disagree, and tenant-shaped prefixes no tenant owns; records each as a finding
// that keeps its id across runs; resolves findings whose condition has cleared and reopens them if
// it returns. A transaction-scoped advisory lock makes concurrent runs (several daemons) take
// turns: a run that finds another in progress does nothing. Uses the connection it is given.
// The statements are reconcile/queries/*.sql, one per finding kind, each over the run's scope.
#pragma once

#include <map>
#include <string>

#include <pqxx/pqxx>

namespace cf::reconcile {

// The advisory lock a run holds for its transaction ("cfrec0n1").
inline constexpr long long kReconcileLock = 0x6366726563306e31LL;

// An incremental run with more new deliveries and leads than this runs in full: one pass over
// everything is then cheaper than looking people up one by one.
inline constexpr long long kIncrementalLimit = 50000;

// incremental: only the people changed since the last runs (see reconcile_once); full: everyone.
enum class Mode { incremental, full };

// What a run starts from: where the last runs left off (reconcile_state) and the data now.
struct RunState {
  long long previous_event_watermark = 0;  // an incremental run reads deliveries after this id
  long long previous_lead_watermark = 0;   // ... and leads captured after this number
  long long tenants_seen = 0;              // tenants when the last run began
  bool never_full = true;                  // no full run recorded yet
  long long event_watermark = 0;           // the newest delivery id now
  long long lead_watermark = 0;            // the newest lead capture number now
  long long tenants = 0;                   // tenants now
};

// Whether a run looks at everyone: asked for, the first full run, tenants added or removed (which
// changes what every prefix means), or more than kIncrementalLimit new deliveries and leads.
bool runs_in_full(Mode mode, const RunState& state);

struct Summary {
  bool skipped = false;        // another run held the lock
  bool full = false;           // looked at everything (asked for, first run, or tenants changed)
  long long contacts = 0;      // mirrored contacts examined (in scope, for an incremental run)
  long long leads = 0;         // leads examined (in scope, for an incremental run)
  int created = 0;             // findings new in this run
  int updated = 0;             // existing findings whose evidence changed, or that reopened
  int resolved = 0;            // findings whose condition cleared
  std::map<std::string, int> open_by_kind;  // findings open or acknowledged after the run
};

// Runs once. An incremental run looks only at the people touched by deliveries stored since the
// run before the last one, leads captured since the last run began, and new assignments; it
// resolves only findings about them and leaves unknown prefixes' counts and resolution to full
// runs. It turns full by itself as runs_in_full() says.
// Throws the database's error (nothing of the run is then committed).
Summary reconcile_once(pqxx::connection& connection, Mode mode = Mode::incremental);

// "incremental run: checked 12 contacts and 30 leads: 2 new, 1 updated, 0 resolved; open: shared_contact 2, ..."
std::string describe(const Summary& summary);

}  // namespace cf::reconcile
