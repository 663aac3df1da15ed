// The kept connection every daemon component uses: a connection the server ends
// (pg_terminate_backend) is opened again on the next use and counted as one reconnect; an outage
// during which opens fail is still one reconnect, with each failure counted; and after a failed
// open the next try waits for its time; a pass (for_one_pass) holds its connection only while it runs.
#define BOOST_TEST_MODULE kept_connection
#include <boost/test/unit_test.hpp>

#include <prometheus/registry.h>

#include "store/kept_connection.h"
#include "tests/support/test_database.h"

using namespace cf;
using namespace cf::store;
using namespace cf::testing;

namespace {

// The value of `name`{component="test"} in `registry` (0 when it has no such series).
double counter(prometheus::Registry& registry, const std::string& name) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& pair : metric.label) {
        if (pair.name == "component" && pair.value == "test") return metric.counter.value;
      }
    }
  }
  return 0;
}

int backend_pid(pqxx::connection& connection) {
  pqxx::nontransaction tx(connection);
  return tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
}

// Ends backend `pid` from the cluster's own database (the test's may refuse connections).
void terminate(int pid) {
  pqxx::connection admin(cluster_url());
  pqxx::nontransaction(admin).exec_params1("SELECT pg_terminate_backend($1)", pid);
}

// Whether `db` takes new connections (ALLOW_CONNECTIONS), set from the cluster's own database.
void allow_connections(const TestDatabase& db, bool allow) {
  pqxx::connection admin(cluster_url());
  pqxx::nontransaction(admin).exec0("ALTER DATABASE " + db.name() + " ALLOW_CONNECTIONS " + (allow ? "true" : "false"));
}

// Uses `kept` once as a component does: true when the statement ran.
bool use(KeptConnection& kept) {
  auto connection = kept.get();
  if (!connection) return false;
  try {
    backend_pid(**connection);
    return true;
  } catch (const std::exception& e) {
    BOOST_TEST(kept.failed(e));
    return false;
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_connection_the_server_ended_is_opened_again_on_the_next_use) {
  TestDatabase db;
  prometheus::Registry registry;
  ConnectionMetrics metrics(registry);
  KeptConnection kept(db.secret_url(), "test", {}, metrics);
  BOOST_TEST(counter(registry, "clientflow_database_reconnects_total") == 0);  // the series exists
  BOOST_REQUIRE(kept.get());
  const int first = backend_pid(**kept.get());

  terminate(first);
  BOOST_TEST(!use(kept));  // the use that finds it gone
  BOOST_TEST(!kept.is_open());
  BOOST_REQUIRE(use(kept));
  BOOST_TEST(backend_pid(**kept.get()) != first);
  BOOST_TEST(counter(registry, "clientflow_database_reconnects_total") == 1);
  BOOST_TEST(counter(registry, "clientflow_database_errors_total") == 1);
}

BOOST_AUTO_TEST_CASE(an_outage_with_failed_opens_is_one_reconnect) {
  TestDatabase db;
  prometheus::Registry registry;
  ConnectionMetrics metrics(registry);
  KeptConnection::Options at_once;
  at_once.first_retry = at_once.max_retry = std::chrono::milliseconds(0);
  KeptConnection kept(db.secret_url(), "test", at_once, metrics);
  BOOST_REQUIRE(use(kept));

  allow_connections(db, false);
  terminate(backend_pid(**kept.get()));
  BOOST_TEST(!use(kept));
  for (int i = 0; i < 3; ++i) {
    const auto refused = kept.get();
    BOOST_REQUIRE(!refused);
    BOOST_TEST((refused.error().kind == ErrorKind::unavailable));
  }
  allow_connections(db, true);
  BOOST_TEST(use(kept));
  BOOST_TEST(use(kept));
  BOOST_TEST(counter(registry, "clientflow_database_reconnects_total") == 1);
  BOOST_TEST(counter(registry, "clientflow_database_errors_total") == 4);  // the lost use, three failed opens
}

BOOST_AUTO_TEST_CASE(after_a_failed_open_the_next_try_waits_for_its_time) {
  TestDatabase db;
  prometheus::Registry registry;
  ConnectionMetrics metrics(registry);
  KeptConnection::Options slow;
  slow.first_retry = std::chrono::hours(1);
  slow.max_retry = std::chrono::hours(2);
  KeptConnection kept(db.secret_url(), "test", slow, metrics);
  allow_connections(db, false);
  const auto refused = kept.get();
  BOOST_REQUIRE(!refused);
  BOOST_TEST(kept.until_retry().count() > std::chrono::milliseconds(std::chrono::minutes(59)).count());
  allow_connections(db, true);
  // Not tried again before its time: the same answer, without a second try.
  const auto again = kept.get();
  BOOST_REQUIRE(!again);
  BOOST_TEST(again.error().message == refused.error().message);
  BOOST_TEST(counter(registry, "clientflow_database_errors_total") == 1);
  BOOST_TEST(counter(registry, "clientflow_database_reconnects_total") == 0);
}

BOOST_AUTO_TEST_CASE(what_refers_to_the_connection_is_released_before_it_closes) {
  TestDatabase db;
  prometheus::Registry registry;
  ConnectionMetrics metrics(registry);
  std::unique_ptr<pqxx::notification_receiver> receiver;
  struct Listener final : pqxx::notification_receiver {
    explicit Listener(pqxx::connection& c) : notification_receiver(c, "kept_connection_test") {}
    void operator()(const std::string&, int) override {}
  };
  KeptConnection::Options listening;
  int opened = 0;
  listening.opened = [&](pqxx::connection& c) {
    receiver = std::make_unique<Listener>(c);
    ++opened;
  };
  listening.closing = [&] { receiver.reset(); };
  {
    KeptConnection kept(db.secret_url(), "test", listening, metrics);
    BOOST_REQUIRE(use(kept));
    BOOST_TEST(static_cast<bool>(receiver));
    kept.close();
    BOOST_TEST(!receiver);
    BOOST_REQUIRE(use(kept));
    BOOST_TEST(opened == 2);
    BOOST_TEST(counter(registry, "clientflow_database_reconnects_total") == 0);  // closed on purpose
  }
  BOOST_TEST(!receiver);
}

BOOST_AUTO_TEST_CASE(a_pass_holds_its_connection_only_while_it_runs) {
  TestDatabase db;
  prometheus::Registry registry;
  ConnectionMetrics metrics(registry);
  KeptConnection kept(db.secret_url(), "test", {}, metrics);

  int pid = 0;
  kept.for_one_pass([&](pqxx::connection& connection) { pid = backend_pid(connection); });
  BOOST_TEST(pid > 0);
  BOOST_TEST(!kept.is_open());

  // Work that fails is counted once and its error passes through; the connection is closed too.
  BOOST_CHECK_THROW(kept.for_one_pass([](pqxx::connection& connection) {
                      pqxx::nontransaction(connection).exec0("SELECT 1/0");
                    }),
                    pqxx::sql_error);
  BOOST_TEST(!kept.is_open());
  BOOST_TEST(counter(registry, "clientflow_database_errors_total") == 1);
  BOOST_TEST(counter(registry, "clientflow_database_reconnects_total") == 0);

  // A pass without a database throws the reason and runs nothing.
  allow_connections(db, false);
  bool ran = false;
  BOOST_CHECK_THROW(kept.for_one_pass([&](pqxx::connection&) { ran = true; }), std::runtime_error);
  BOOST_TEST(!ran);
  allow_connections(db, true);
}
