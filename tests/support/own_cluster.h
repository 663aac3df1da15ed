// OwnCluster: a PostgreSQL cluster of one test's own (tests/support/own_cluster.sh), for the fault
// tests that stop the real server under load and start it again on the same port. Removed when
// the object is destroyed. TestDatabase(cluster.url()) makes a database in it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cf::testing {

class OwnCluster {
 public:
  OwnCluster();  // fails the test (throws) when the cluster does not come up
  ~OwnCluster();
  OwnCluster(const OwnCluster&) = delete;
  OwnCluster& operator=(const OwnCluster&) = delete;

  // The login role's URL to its postgres database.
  const std::string& url() const { return url_; }
  std::uint16_t port() const { return port_; }
  // Fast shutdown; returns once the server is down. start() brings it back on the same port.
  void stop();
  void start();

 private:
  std::vector<std::string> script(const std::string& command, bool with_port) const;

  std::string dir_;
  std::uint16_t port_ = 0;
  std::string url_;
};

}  // namespace cf::testing
