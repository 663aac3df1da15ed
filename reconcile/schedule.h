// Schedule: when the daemon reconciles, and how much. The daemon's periodic task calls run_once()
// every interval() (the first time after first_delay()). A run asks to be full when full_interval
// has passed since the last full run (since the schedule was made, before the first), else
// incremental; the reconciler may still turn a run full by itself (runs_in_full), and that
// counts as a full run too. A run that found another daemon's run in progress changes nothing and
// logs nothing. Time comes from the clock the schedule is given, of which only differences count.
// One thread at a time calls its functions; the clock must outlive it.
#pragma once

#include <chrono>

#include "common/clock.h"
#include "config/secret.h"
#include "reconcile/reconciler.h"
#include "store/kept_connection.h"

namespace cf::reconcile {

// The steady clock in milliseconds since an arbitrary start (not a date): the daemon's clock for
// the schedule, whose waits a change of the wall clock must not shorten or stretch.
class SteadyClock : public Clock {
 public:
  EpochMs now_ms() const override;
};

class Schedule {
 public:
  Schedule(Secret database_url, std::chrono::seconds interval, std::chrono::seconds full_interval, const Clock& clock);

  std::chrono::seconds first_delay() const;  // 30 s, or the interval when shorter
  std::chrono::seconds interval() const { return interval_; }

  // What the next run asks for: full when full_interval has passed since the last full run.
  Mode next_mode() const;
  // Takes note of a run: a full one starts the wait for the next full run again; a skipped one
  // changes nothing.
  void ran(const Summary& summary);

  // Connects, runs reconcile_once(next_mode()), takes note of it and logs its summary at info.
  // Throws when the database cannot be reached or the run fails.
  void run_once();

 private:
  store::KeptConnection connection_;  // opened for each run, closed after it (component "reconcile")
  std::chrono::seconds interval_;
  std::chrono::milliseconds full_interval_;
  const Clock& clock_;
  EpochMs last_full_;
};

}  // namespace cf::reconcile
