#include "tests/support/own_cluster.h"

#include <filesystem>
#include <stdexcept>

#include "common/crypto.h"
#include "tests/support/process.h"

namespace cf::testing {

OwnCluster::OwnCluster()
    : dir_((std::filesystem::temp_directory_path() /
            ("cf-own-cluster-" + crypto::random_string(10, "abcdefghijklmnopqrstuvwxyz0123456789")))
               .string()),
      port_(free_port()) {
  const auto created = run(script("create", true), {}, std::chrono::seconds(120));
  if (created.exit_code != 0) throw std::runtime_error("own cluster did not start: " + created.err);
  url_ = created.out.substr(0, created.out.find('\n'));
}

OwnCluster::~OwnCluster() { run(script("destroy", false), {}, std::chrono::seconds(60)); }

void OwnCluster::stop() {
  const auto stopped = run(script("stop", false), {}, std::chrono::seconds(60));
  if (stopped.exit_code != 0) throw std::runtime_error("own cluster did not stop: " + stopped.err);
}

void OwnCluster::start() {
  const auto started = run(script("start", true), {}, std::chrono::seconds(60));
  if (started.exit_code != 0) throw std::runtime_error("own cluster did not start again: " + started.err);
}

std::vector<std::string> OwnCluster::script(const std::string& command, bool with_port) const {
  std::vector<std::string> args{"/bin/bash", std::string(CLIENTFLOW_SOURCE_DIR) + "/tests/support/own_cluster.sh",
                                command, dir_};
  if (with_port) args.push_back(std::to_string(port_));
  return args;
}

}  // namespace cf::testing
