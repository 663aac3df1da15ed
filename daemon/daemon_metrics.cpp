#include "daemon/daemon_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "common/metrics.h"

namespace cf::daemon {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

namespace {

// /proc/self/stat fields after the command name: utime is field 14, stime 15, starttime 22,
// vsize 23, rss 24 (in pages).
struct ProcStat {
  double cpu_seconds = 0, start_time = 0, virtual_bytes = 0, resident_bytes = 0;
};

ProcStat read_stat() {
  ProcStat out;
  std::ifstream file("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return out;
  std::istringstream fields(text.substr(close + 2));
  std::vector<std::string> f;
  for (std::string field; fields >> field;) f.push_back(field);
  if (f.size() < 22) return out;  // f[0] is field 3 (state)
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  out.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  double boot = 0;
  std::ifstream proc_stat("/proc/stat");
  for (std::string line; std::getline(proc_stat, line);) {
    if (line.rfind("btime ", 0) == 0) boot = std::stod(line.substr(6));
  }
  out.start_time = boot + std::stod(f[19]) / ticks;
  out.virtual_bytes = std::stod(f[20]);
  out.resident_bytes = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
  return out;
}

double open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the directory stream's own descriptor
}

double max_fds() {
  std::ifstream limits("/proc/self/limits");
  for (std::string line; std::getline(limits, line);) {
    if (line.rfind("Max open files", 0) == 0) {
      std::istringstream words(line.substr(14));
      std::string soft;
      words >> soft;
      return soft == "unlimited" ? 0 : std::stod(soft);
    }
  }
  return 0;
}

// Reads /proc on every scrape.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    const ProcStat stat = read_stat();
    return {family("process_cpu_seconds_total", "User and system CPU time spent, in seconds",
                   prometheus::MetricType::Counter, stat.cpu_seconds),
            family("process_resident_memory_bytes", "Resident memory size in bytes", prometheus::MetricType::Gauge,
                   stat.resident_bytes),
            family("process_virtual_memory_bytes", "Virtual memory size in bytes", prometheus::MetricType::Gauge,
                   stat.virtual_bytes),
            family("process_open_fds", "Open file descriptors", prometheus::MetricType::Gauge, open_fds()),
            family("process_max_fds", "The limit on open file descriptors", prometheus::MetricType::Gauge, max_fds()),
            family("process_start_time_seconds", "Start time of the process since the epoch, in seconds",
                   prometheus::MetricType::Gauge, stat.start_time)};
  }

 private:
  static prometheus::MetricFamily family(const std::string& name, const std::string& help,
                                         prometheus::MetricType type, double value) {
    prometheus::MetricFamily out;
    out.name = name;
    out.help = help;
    out.type = type;
    prometheus::ClientMetric metric;
    if (type == prometheus::MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    out.metric.push_back(metric);
    return out;
  }
};

}  // namespace

DaemonMetrics::DaemonMetrics(prometheus::Registry& registry)
    : deliveries_(BuildCounter()
                      .Name("clientflow_webhook_deliveries_total")
                      .Help("Webhook deliveries answered, by endpoint (account, rule), event type and outcome")
                      .Register(registry)),
      latency_(BuildHistogram()
                   .Name("clientflow_ingest_latency_seconds")
                   .Help("Time from receiving a webhook delivery to answering it")
                   .Register(registry),
               prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                                                       5}),
      clock_skew_(BuildCounter()
                      .Name("clientflow_webhook_clock_skew_total")
                      .Help("Signed deliveries stamped further ahead of their receipt than ingest.max_clock_skew_seconds, "
                            "ordered by their receipt instead")
                      .Register(registry)),
      batch_(BuildHistogram()
                 .Name("clientflow_ingest_batch_deliveries")
                 .Help("Deliveries written per ingest transaction")
                 .Register(registry),
             prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256}),
      queue_deliveries_(BuildGauge()
                            .Name("clientflow_ingest_queue_deliveries")
                            .Help("Deliveries received and waiting for a writer")
                            .Register(registry)),
      queue_bytes_(BuildGauge()
                       .Name("clientflow_ingest_queue_bytes")
                       .Help("Body bytes of the deliveries waiting for a writer")
                       .Register(registry)),
      requests_refused_(BuildCounter()
                            .Name("clientflow_http_requests_refused_total")
                            .Help("Requests answered and their connection closed before they were read whole, by reason")
                            .Register(registry)),
      credentials_refused_(BuildCounter()
                               .Name("clientflow_credentials_refused_total")
                               .Help("Rule tokens and API keys no tenant holds, refused without a database query")
                               .Register(registry)),
      credential_reloads_(BuildCounter()
                              .Name("clientflow_credentials_reloads_total")
                              .Help("Reads of every tenant's credential hashes, by what asked for it (start, notify, miss)")
                              .Register(registry)),
      tenant_api_requests_(BuildCounter()
                               .Name("clientflow_tenant_api_requests_total")
                               .Help("Tenant API requests of a known tenant, by outcome (admitted, rate_limited, "
                                     "too_many_in_flight)")
                               .Register(registry)),
      statement_timeouts_(BuildCounter()
                              .Name("clientflow_tenant_api_statement_timeouts_total")
                              .Help("Tenant API requests answered 503 because a statement ran past the tenant "
                                    "statement timeout")
                              .Register(registry)),
      unrouted_(BuildGauge()
                    .Name("clientflow_deliveries_unrouted")
                    .Help("Stored deliveries that did not route (ambiguous, foreign_prefix, ...), all daemons")
                    .Register(registry)),
      outbox_jobs_(BuildGauge()
                       .Name("clientflow_outbox_jobs")
                       .Help("Lead syncs in the outbox, by state: pending (waiting to run; a suspended tenant's "
                             "jobs left out) or failed (failed for good, not discarded)")
                       .Register(registry)),
      outbox_oldest_(BuildGauge()
                         .Name("clientflow_outbox_oldest_job_age_seconds")
                         .Help("Age of the oldest waiting outbox job (0 when empty)")
                         .Register(registry)),
      findings_open_(BuildGauge()
                         .Name("clientflow_findings_open")
                         .Help("Findings open or acknowledged, by kind")
                         .Register(registry)) {}

DaemonMetrics& DaemonMetrics::process_wide() {
  // Made once and never destroyed, as the references to families it replaces were.
  static DaemonMetrics* const metrics = new DaemonMetrics(*metrics_registry());
  return *metrics;
}

void DaemonMetrics::delivery_answered(const std::string& endpoint, const std::string& event_type,
                                      const std::string& outcome, double seconds) {
  deliveries_.Add({{"endpoint", endpoint}, {"event_type", event_type}, {"outcome", outcome}}).Increment();
  latency_.get().Observe(seconds);
}

void DaemonMetrics::clock_skewed() { clock_skew_.get().Increment(); }

void DaemonMetrics::batch_committed(std::size_t size) {
  batch_.get().Observe(static_cast<double>(size));
}

void DaemonMetrics::queue_depth(std::size_t deliveries) { queue_deliveries_.get().Set(static_cast<double>(deliveries)); }

void DaemonMetrics::queue_bytes(std::size_t bytes) { queue_bytes_.get().Set(static_cast<double>(bytes)); }

void DaemonMetrics::request_refused(const std::string& reason) { requests_refused_.Add({{"reason", reason}}).Increment(); }

void DaemonMetrics::credential_refused(const std::string& credential) {
  credentials_refused_.Add({{"credential", credential}}).Increment();
}

void DaemonMetrics::credentials_reloaded(const std::string& trigger) {
  credential_reloads_.Add({{"trigger", trigger}}).Increment();
}

void DaemonMetrics::initialize() {
  clock_skew_.get();
  statement_timeouts_.get();
  for (const std::string outcome : {"admitted", "rate_limited", "too_many_in_flight"}) {
    tenant_api_requests_.Add({{"outcome", outcome}});
  }
  for (const std::string reason : {"too_large", "head_too_large", "bad_request", "length_required"}) {
    requests_refused_.Add({{"reason", reason}});
  }
  for (const std::string credential : {"rule_token", "api_key"}) credentials_refused_.Add({{"credential", credential}});
  for (const std::string trigger : {"start", "notify", "miss"}) credential_reloads_.Add({{"trigger", trigger}});
  for (const std::string state : {"pending", "failed"}) outbox_jobs_.Add({{"state", state}});
}

void DaemonMetrics::tenant_api_request(const std::string& outcome) {
  tenant_api_requests_.Add({{"outcome", outcome}}).Increment();
}

void DaemonMetrics::tenant_api_statement_timeout() { statement_timeouts_.get().Increment(); }

void DaemonMetrics::deliveries_unrouted(long long count) { unrouted_.get().Set(static_cast<double>(count)); }

void DaemonMetrics::outbox(long long pending, long long failed, double oldest_age_seconds) {
  outbox_jobs_.Add({{"state", "pending"}}).Set(static_cast<double>(pending));
  outbox_jobs_.Add({{"state", "failed"}}).Set(static_cast<double>(failed));
  outbox_oldest_.get().Set(oldest_age_seconds);
}

void DaemonMetrics::findings_open(const std::map<std::string, long long>& by_kind) {
  for (const std::string kind : {"shared_contact", "foreign_prefix", "owner_mismatch", "unknown_prefix"}) {
    const auto found = by_kind.find(kind);
    findings_open_.Add({{"kind", kind}}).Set(found == by_kind.end() ? 0.0 : static_cast<double>(found->second));
  }
}

namespace metrics {

std::string event_type_label(const std::string& header) {
  static const std::set<std::string> known{"CONTACT_CREATED", "CONTACT_OPT_IN",  "CONTACT_TAG_ADDED",
                                           "CONTACT_TAG_REMOVED", "SALE_NEW", "SALE_CANCELED"};
  if (header.empty()) return "none";
  return known.count(header) ? header : "other";
}

std::shared_ptr<prometheus::Collectable> process_collector() { return std::make_shared<ProcessCollector>(); }

void initialize() { DaemonMetrics::process_wide().initialize(); }

}  // namespace metrics
}  // namespace cf::daemon
