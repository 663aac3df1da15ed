// Each module's metrics built on a registry of the test's own: exact values after recording,
// series that appear only once recorded (or at 0 through initialize), the names and help texts
// that the dashboards in grafana/ and the alert rules read, and the relay's calls counted in the
// metrics its client was given (never in the process-wide registry).
#define BOOST_TEST_MODULE metrics
#include <boost/test/unit_test.hpp>

#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "common/metrics.h"
#include "daemon/daemon_metrics.h"
#include "reconcile/reconcile_metrics.h"
#include "relay/lead_sync.h"
#include "relay/relay_metrics.h"
#include "relay/systeme_client.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_systeme.h"

using namespace cf;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using Labels = std::map<std::string, std::string>;

namespace {

// The series of family `name` whose labels are exactly `labels`; null when there is none.
const ClientMetric* series(const std::vector<MetricFamily>& families, const std::string& name, const Labels& labels) {
  for (const auto& family : families) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      Labels found;
      for (const auto& pair : metric.label) found[pair.name] = pair.value;
      if (found == labels) return &metric;
    }
  }
  return nullptr;
}

double counter(prometheus::Registry& registry, const std::string& name, const Labels& labels) {
  const auto families = registry.Collect();
  const ClientMetric* metric = series(families, name, labels);
  return metric == nullptr ? -1 : metric->counter.value;
}

double gauge(prometheus::Registry& registry, const std::string& name, const Labels& labels) {
  const auto families = registry.Collect();
  const ClientMetric* metric = series(families, name, labels);
  return metric == nullptr ? -1 : metric->gauge.value;
}

// Every family the registry exposes, by name, with its number of series.
std::map<std::string, std::size_t> exposed(prometheus::Registry& registry) {
  std::map<std::string, std::size_t> out;
  for (const auto& family : registry.Collect()) out[family.name] = family.metric.size();
  return out;
}

// name -> help of every family the registry exposes.
std::map<std::string, std::string> help_texts(prometheus::Registry& registry) {
  std::map<std::string, std::string> out;
  for (const auto& family : registry.Collect()) out[family.name] = family.help;
  return out;
}

// The histogram's cumulative bucket counts, by upper bound.
std::map<double, std::uint64_t> buckets(const ClientMetric& metric) {
  std::map<double, std::uint64_t> out;
  for (const auto& bucket : metric.histogram.bucket) out[bucket.upper_bound] = bucket.cumulative_count;
  return out;
}

// One printable line per entry, for comparisons that name what differs.
template <typename K, typename V>
std::vector<std::string> lines(const std::map<K, V>& map) {
  std::vector<std::string> out;
  for (const auto& [key, value] : map) {
    std::ostringstream line;
    line << key << " " << value;
    out.push_back(line.str());
  }
  return out;
}

// The value of a counter in the process-wide registry, 0 when it has no such series.
double process_wide(const std::string& name, const Labels& labels) {
  return std::max(0.0, counter(*metrics_registry(), name, labels));
}

}  // namespace

BOOST_AUTO_TEST_CASE(relay_metrics_count_on_their_own_registry) {
  prometheus::Registry registry;
  relay::RelayMetrics metrics(registry);
  BOOST_TEST(registry.Collect().empty());  // nothing exposed before the first count
  const double before = process_wide("clientflow_systeme_api_requests_total", {{"endpoint", "GET /contacts"}, {"status", "200"}});

  metrics.api_call("GET /contacts", 200);
  metrics.api_call("GET /contacts", 200);
  metrics.api_call("GET /contacts", 429);
  metrics.api_call("POST /tags", 0);
  metrics.api_retry("outbox");
  metrics.api_retry("outbox");
  metrics.api_retry("sync");
  metrics.answer_too_deep("GET /tags");
  metrics.answer_unexpected("POST /contacts");
  metrics.answer_unexpected("POST /contacts");
  metrics.answer_unexpected("POST /contacts");

  BOOST_TEST(counter(registry, "clientflow_systeme_api_requests_total", {{"endpoint", "GET /contacts"}, {"status", "200"}}) == 2);
  BOOST_TEST(counter(registry, "clientflow_systeme_api_requests_total", {{"endpoint", "GET /contacts"}, {"status", "429"}}) == 1);
  BOOST_TEST(counter(registry, "clientflow_systeme_api_requests_total", {{"endpoint", "POST /tags"}, {"status", "error"}}) == 1);
  BOOST_TEST(counter(registry, "clientflow_systeme_api_retries_total", {{"component", "outbox"}}) == 2);
  BOOST_TEST(counter(registry, "clientflow_systeme_api_retries_total", {{"component", "sync"}}) == 1);
  BOOST_TEST(counter(registry, "clientflow_systeme_api_answers_too_deep_total", {{"endpoint", "GET /tags"}}) == 1);
  BOOST_TEST(counter(registry, "clientflow_systeme_api_answers_unexpected_total", {{"endpoint", "POST /contacts"}}) == 3);
  const std::map<std::string, std::size_t> series_count{{"clientflow_systeme_api_answers_too_deep_total", 1},
                                                        {"clientflow_systeme_api_answers_unexpected_total", 1},
                                                        {"clientflow_systeme_api_requests_total", 3},
                                                        {"clientflow_systeme_api_retries_total", 2}};
  BOOST_TEST(lines(exposed(registry)) == lines(series_count), boost::test_tools::per_element());
  BOOST_TEST(process_wide("clientflow_systeme_api_requests_total", {{"endpoint", "GET /contacts"}, {"status", "200"}}) == before);
}

BOOST_AUTO_TEST_CASE(relay_metrics_keep_their_names_and_help_texts) {
  prometheus::Registry registry;
  relay::RelayMetrics metrics(registry);
  metrics.api_call("GET /tags", 200);
  metrics.api_retry("outbox");
  metrics.answer_too_deep("GET /tags");
  metrics.answer_unexpected("GET /tags");
  const std::map<std::string, std::string> expected{
      {"clientflow_systeme_api_requests_total", "Calls to the Systeme.io API by endpoint and HTTP status (error: no answer)"},
      {"clientflow_systeme_api_retries_total",
       "Work retried after a failed Systeme.io API answer (429, 5xx, none), by component"},
      {"clientflow_systeme_api_answers_too_deep_total",
       "Systeme.io API answers nested deeper than http.max_json_depth, left unparsed, by endpoint"},
      {"clientflow_systeme_api_answers_unexpected_total",
       "Systeme.io API answers of an unexpected shape (a field missing or of another type), by endpoint"}};
  BOOST_TEST(lines(help_texts(registry)) == lines(expected), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_lead_sync_counts_each_call_in_its_clients_metrics) {
  testing::FakeSysteme systeme("key");
  prometheus::Registry registry;
  relay::RelayMetrics metrics(registry);
  relay::RateLimiter limiter(1000, 1000);
  relay::SystemeClient client(systeme.api_base(), Secret("key"), limiter, std::chrono::seconds(5), 64, metrics);
  relay::TagCache tags;
  relay::LeadSync sync(client, tags);
  store::SyncJob job;
  job.tenant_id = "00000000-0000-0000-0000-000000000001";
  job.prefix = "ib-abc123-";
  job.email = "lead@example.com";
  job.name = "Trader Joe";
  job.ib_type = "forex-ib";
  job.monthly_leads = "500+";
  const double before = process_wide("clientflow_systeme_api_requests_total", {{"endpoint", "POST /tags"}, {"status", "201"}});

  BOOST_TEST((sync.sync(job).kind == relay::SyncOutcome::Kind::done));
  BOOST_TEST((sync.sync(job).kind == relay::SyncOutcome::Kind::done));  // found with its tags: nothing made twice

  const auto calls = [&](const std::string& endpoint, const std::string& status) {
    return counter(registry, "clientflow_systeme_api_requests_total", {{"endpoint", endpoint}, {"status", status}});
  };
  BOOST_TEST(calls("GET /contact_fields", "200") == 1);
  BOOST_TEST(calls("POST /contact_fields", "201") == 4);  // full_name, phone_number, ib_owner_id, ib_prefix
  BOOST_TEST(calls("GET /contacts", "200") == 2);
  BOOST_TEST(calls("POST /contacts", "201") == 1);
  BOOST_TEST(calls("GET /tags", "200") == 3);
  BOOST_TEST(calls("POST /tags", "201") == 3);
  BOOST_TEST(calls("POST /contacts/{id}/tags", "204") == 3);
  BOOST_TEST(exposed(registry)["clientflow_systeme_api_requests_total"] == 7u);
  BOOST_TEST(process_wide("clientflow_systeme_api_requests_total", {{"endpoint", "POST /tags"}, {"status", "201"}}) == before);
}

BOOST_AUTO_TEST_CASE(answers_too_deep_or_unexpected_are_counted_by_endpoint) {
  testing::FakeSysteme systeme("key");
  prometheus::Registry registry;
  relay::RelayMetrics metrics(registry);
  relay::RateLimiter limiter(1000, 1000);
  relay::SystemeClient client(systeme.api_base(), Secret("key"), limiter, std::chrono::seconds(5), 64, metrics);
  systeme.answer_deep_next(1, 65);
  const auto deep = client.list_contact_fields();
  BOOST_TEST(deep.status == 200);
  BOOST_TEST(deep.too_deep);
  BOOST_TEST(counter(registry, "clientflow_systeme_api_answers_too_deep_total", {{"endpoint", "GET /contact_fields"}}) == 1);

  relay::TagCache tags;
  relay::LeadSync sync(client, tags);
  store::SyncJob job;
  job.prefix = "ib-abc123-";
  job.email = "lead@example.com";
  systeme.pass_next(5);  // the fields listed, four made
  systeme.answer_next(200, R"({"items": [{"id": "42", "email": "lead@example.com"}]})");
  const auto outcome = sync.sync(job);
  BOOST_TEST((outcome.kind == relay::SyncOutcome::Kind::retry));
  BOOST_TEST(outcome.error == "find contact: unexpected answer: the contact's id is not an integer");
  BOOST_TEST(counter(registry, "clientflow_systeme_api_answers_unexpected_total", {{"endpoint", "GET /contacts"}}) == 1);
  BOOST_TEST(exposed(registry)["clientflow_systeme_api_answers_unexpected_total"] == 1u);
}

BOOST_AUTO_TEST_CASE(reconcile_metrics_count_runs_and_time_those_not_skipped) {
  prometheus::Registry registry;
  reconcile::ReconcileMetrics metrics(registry);
  BOOST_TEST(registry.Collect().empty());
  metrics.run_finished("full", "ok", 0.3);
  metrics.run_finished("full", "ok", 12);
  metrics.run_finished("full", "error", 0.01);
  metrics.run_finished("incremental", "skipped", 99);

  BOOST_TEST(counter(registry, "clientflow_reconcile_runs_total", {{"mode", "full"}, {"result", "ok"}}) == 2);
  BOOST_TEST(counter(registry, "clientflow_reconcile_runs_total", {{"mode", "full"}, {"result", "error"}}) == 1);
  BOOST_TEST(counter(registry, "clientflow_reconcile_runs_total", {{"mode", "incremental"}, {"result", "skipped"}}) == 1);
  const auto families = registry.Collect();
  const ClientMetric* full = series(families, "clientflow_reconcile_duration_seconds", {{"mode", "full"}});
  BOOST_REQUIRE(full != nullptr);
  BOOST_TEST(full->histogram.sample_count == 3u);
  BOOST_TEST(full->histogram.sample_sum == 12.31, boost::test_tools::tolerance(1e-9));
  const std::map<double, std::uint64_t> expected{{0.05, 1}, {0.1, 1}, {0.25, 1}, {0.5, 2}, {1, 2}, {2.5, 2}, {5, 2},
                                                 {10, 2}, {20, 3}, {40, 3}, {80, 3}, {160, 3},
                                                 {std::numeric_limits<double>::infinity(), 3}};
  BOOST_TEST(lines(buckets(*full)) == lines(expected), boost::test_tools::per_element());
  BOOST_TEST(series(families, "clientflow_reconcile_duration_seconds", {{"mode", "incremental"}}) == nullptr);
  const std::map<std::string, std::string> help{
      {"clientflow_reconcile_runs_total", "Reconcile runs by mode (full, incremental) and result (ok, skipped, error)"},
      {"clientflow_reconcile_duration_seconds", "How long reconcile runs took, by mode"}};
  BOOST_TEST(lines(help_texts(registry)) == lines(help), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(daemon_metrics_initialize_their_fixed_series_at_zero) {
  prometheus::Registry registry;
  daemon::DaemonMetrics metrics(registry);
  BOOST_TEST(registry.Collect().empty());
  metrics.initialize();
  const std::map<std::string, std::size_t> expected{{"clientflow_credentials_refused_total", 2},
                                                    {"clientflow_credentials_reloads_total", 3},
                                                    {"clientflow_http_requests_refused_total", 4},
                                                    {"clientflow_outbox_jobs", 2},
                                                    {"clientflow_tenant_api_requests_total", 3},
                                                    {"clientflow_tenant_api_statement_timeouts_total", 1},
                                                    {"clientflow_webhook_clock_skew_total", 1}};
  BOOST_TEST(lines(exposed(registry)) == lines(expected), boost::test_tools::per_element());
  for (const auto& family : registry.Collect()) {
    for (const auto& metric : family.metric) BOOST_TEST(metric.counter.value == 0);
  }
  BOOST_TEST(counter(registry, "clientflow_http_requests_refused_total", {{"reason", "head_too_large"}}) == 0);
  BOOST_TEST(counter(registry, "clientflow_credentials_reloads_total", {{"trigger", "notify"}}) == 0);
}

BOOST_AUTO_TEST_CASE(daemon_metrics_record_exact_values) {
  prometheus::Registry registry;
  daemon::DaemonMetrics metrics(registry);
  metrics.delivery_answered("account", "CONTACT_CREATED", "routed", 0.004);
  metrics.delivery_answered("account", "CONTACT_CREATED", "routed", 0.3);
  metrics.delivery_answered("rule", "rule", "rate_limited", 0.0005);
  metrics.clock_skewed();
  metrics.batch_committed(3);
  metrics.batch_committed(300);
  metrics.queue_depth(5);
  metrics.queue_depth(2);
  metrics.queue_bytes(4096);
  metrics.request_refused("too_large");
  metrics.credential_refused("api_key");
  metrics.credentials_reloaded("miss");
  metrics.tenant_api_request("admitted");
  metrics.tenant_api_request("admitted");
  metrics.tenant_api_statement_timeout();
  metrics.deliveries_unrouted(17);
  metrics.outbox(9, 4, 42.5);
  metrics.findings_open({{"shared_contact", 3}, {"unknown_prefix", 1}, {"not_a_kind", 8}});

  const auto families = registry.Collect();
  BOOST_TEST(counter(registry, "clientflow_webhook_deliveries_total",
                     {{"endpoint", "account"}, {"event_type", "CONTACT_CREATED"}, {"outcome", "routed"}}) == 2);
  BOOST_TEST(counter(registry, "clientflow_webhook_deliveries_total",
                     {{"endpoint", "rule"}, {"event_type", "rule"}, {"outcome", "rate_limited"}}) == 1);
  const ClientMetric* latency = series(families, "clientflow_ingest_latency_seconds", {});
  BOOST_REQUIRE(latency != nullptr);
  BOOST_TEST(latency->histogram.sample_count == 3u);
  const std::map<double, std::uint64_t> latency_buckets{
      {0.001, 1}, {0.0025, 1}, {0.005, 2}, {0.01, 2}, {0.025, 2}, {0.05, 2}, {0.1, 2}, {0.25, 2}, {0.5, 3}, {1, 3},
      {2.5, 3},   {5, 3},      {std::numeric_limits<double>::infinity(), 3}};
  BOOST_TEST(lines(buckets(*latency)) == lines(latency_buckets), boost::test_tools::per_element());
  const ClientMetric* batch = series(families, "clientflow_ingest_batch_deliveries", {});
  BOOST_REQUIRE(batch != nullptr);
  BOOST_TEST(batch->histogram.sample_sum == 303);
  const std::map<double, std::uint64_t> batch_buckets{{1, 0},   {2, 0},   {4, 1},   {8, 1},  {16, 1},
                                                      {32, 1},  {64, 1},  {128, 1}, {256, 1},
                                                      {std::numeric_limits<double>::infinity(), 2}};
  BOOST_TEST(lines(buckets(*batch)) == lines(batch_buckets), boost::test_tools::per_element());
  BOOST_TEST(counter(registry, "clientflow_webhook_clock_skew_total", {}) == 1);
  BOOST_TEST(gauge(registry, "clientflow_ingest_queue_deliveries", {}) == 2);
  BOOST_TEST(gauge(registry, "clientflow_ingest_queue_bytes", {}) == 4096);
  BOOST_TEST(counter(registry, "clientflow_http_requests_refused_total", {{"reason", "too_large"}}) == 1);
  BOOST_TEST(counter(registry, "clientflow_credentials_refused_total", {{"credential", "api_key"}}) == 1);
  BOOST_TEST(counter(registry, "clientflow_credentials_reloads_total", {{"trigger", "miss"}}) == 1);
  BOOST_TEST(counter(registry, "clientflow_tenant_api_requests_total", {{"outcome", "admitted"}}) == 2);
  BOOST_TEST(counter(registry, "clientflow_tenant_api_statement_timeouts_total", {}) == 1);
  BOOST_TEST(gauge(registry, "clientflow_deliveries_unrouted", {}) == 17);
  BOOST_TEST(gauge(registry, "clientflow_outbox_jobs", {{"state", "pending"}}) == 9);
  BOOST_TEST(gauge(registry, "clientflow_outbox_jobs", {{"state", "failed"}}) == 4);
  BOOST_TEST(gauge(registry, "clientflow_outbox_oldest_job_age_seconds", {}) == 42.5);
  BOOST_TEST(gauge(registry, "clientflow_findings_open", {{"kind", "shared_contact"}}) == 3);
  BOOST_TEST(gauge(registry, "clientflow_findings_open", {{"kind", "foreign_prefix"}}) == 0);
  BOOST_TEST(gauge(registry, "clientflow_findings_open", {{"kind", "owner_mismatch"}}) == 0);
  BOOST_TEST(gauge(registry, "clientflow_findings_open", {{"kind", "unknown_prefix"}}) == 1);
  BOOST_TEST(exposed(registry)["clientflow_findings_open"] == 4u);  // the four kinds, nothing else
  BOOST_TEST(exposed(registry)["clientflow_tenant_api_requests_total"] == 1u);  // no initialize(): only what was counted
}

BOOST_AUTO_TEST_CASE(daemon_metrics_keep_their_names_and_help_texts) {
  prometheus::Registry registry;
  daemon::DaemonMetrics metrics(registry);
  metrics.initialize();
  metrics.delivery_answered("account", "none", "routed", 0.01);
  metrics.batch_committed(1);
  metrics.queue_depth(0);
  metrics.queue_bytes(0);
  metrics.deliveries_unrouted(0);
  metrics.outbox(0, 0, 0);
  metrics.findings_open({});
  const std::map<std::string, std::string> expected{
      {"clientflow_webhook_deliveries_total", "Webhook deliveries answered, by endpoint (account, rule), event type and outcome"},
      {"clientflow_ingest_latency_seconds", "Time from receiving a webhook delivery to answering it"},
      {"clientflow_webhook_clock_skew_total",
       "Signed deliveries stamped further ahead of their receipt than ingest.max_clock_skew_seconds, ordered by their "
       "receipt instead"},
      {"clientflow_ingest_batch_deliveries", "Deliveries written per ingest transaction"},
      {"clientflow_ingest_queue_deliveries", "Deliveries received and waiting for a writer"},
      {"clientflow_ingest_queue_bytes", "Body bytes of the deliveries waiting for a writer"},
      {"clientflow_http_requests_refused_total",
       "Requests answered and their connection closed before they were read whole, by reason"},
      {"clientflow_credentials_refused_total", "Rule tokens and API keys no tenant holds, refused without a database query"},
      {"clientflow_credentials_reloads_total",
       "Reads of every tenant's credential hashes, by what asked for it (start, notify, miss)"},
      {"clientflow_tenant_api_requests_total",
       "Tenant API requests of a known tenant, by outcome (admitted, rate_limited, too_many_in_flight)"},
      {"clientflow_tenant_api_statement_timeouts_total",
       "Tenant API requests answered 503 because a statement ran past the tenant statement timeout"},
      {"clientflow_deliveries_unrouted", "Stored deliveries that did not route (ambiguous, foreign_prefix, ...), all daemons"},
      {"clientflow_outbox_jobs",
       "Lead syncs in the outbox, by state: pending (waiting to run; a suspended tenant's jobs left out) or failed "
       "(failed for good, not discarded)"},
      {"clientflow_outbox_oldest_job_age_seconds", "Age of the oldest waiting outbox job (0 when empty)"},
      {"clientflow_findings_open", "Findings open or acknowledged, by kind"}};
  BOOST_TEST(lines(help_texts(registry)) == lines(expected), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(event_types_are_a_bounded_label_set) {
  BOOST_TEST(daemon::metrics::event_type_label("CONTACT_TAG_ADDED") == "CONTACT_TAG_ADDED");
  BOOST_TEST(daemon::metrics::event_type_label("SALE_CANCELED") == "SALE_CANCELED");
  BOOST_TEST(daemon::metrics::event_type_label("") == "none");
  BOOST_TEST(daemon::metrics::event_type_label("contact_created") == "other");
  BOOST_TEST(daemon::metrics::event_type_label("SOMETHING_NEW") == "other");
}
