#include "reconcile/schedule.h"

#include <algorithm>

#include "common/log.h"

namespace cf::reconcile {

EpochMs SteadyClock::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Schedule::Schedule(Secret database_url, std::chrono::seconds interval, std::chrono::seconds full_interval,
                   const Clock& clock)
    : connection_(std::move(database_url), "reconcile"),
      interval_(interval),
      full_interval_(full_interval),
      clock_(clock),
      last_full_(clock.now_ms()) {}

std::chrono::seconds Schedule::first_delay() const { return std::min<std::chrono::seconds>(std::chrono::seconds(30), interval_); }

Mode Schedule::next_mode() const {
  return clock_.now_ms() - last_full_ >= full_interval_.count() ? Mode::full : Mode::incremental;
}

void Schedule::ran(const Summary& summary) {
  if (!summary.skipped && summary.full) last_full_ = clock_.now_ms();
}

void Schedule::run_once() {
  Summary summary;
  connection_.for_one_pass([&](pqxx::connection& connection) { summary = reconcile_once(connection, next_mode()); });
  ran(summary);
  if (summary.skipped) return;
  log::info("reconcile run", {{"summary", describe(summary)}});
}

}  // namespace cf::reconcile
