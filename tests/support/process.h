// Running the real clientflow-relay binary from tests: run() waits for a command and captures
// its output; Daemon starts `serve` in the background, learns its ports from its log and stops
// it with a signal. Every wait is bounded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cf::testing {

struct Completed {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  std::string out;
  std::string err;
};

// Path of the binary under test (set at build time).
std::string relay_binary();

// Runs `args` (args[0] is the program) with extra environment variables; kills it after `timeout`.
Completed run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
              std::chrono::seconds timeout = std::chrono::seconds(60));

// A background process whose stderr is collected into a file.
class Background {
 public:
  Background(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }
  // Everything written to stderr so far.
  std::string err() const;
  // Polls until `needle` appears in stderr or the process exits; true when it appeared.
  bool wait_for_output(const std::string& needle, std::chrono::seconds timeout);
  // Sends `signal` and waits for exit; the exit code, or -1 if it did not exit in time.
  int stop(int signal, std::chrono::seconds timeout = std::chrono::seconds(15));
  // True while the process has not exited.
  bool running();

 private:
  pid_t pid_ = -1;
  std::string err_path_;
  int exit_code_ = -2;
};

// Waits (bounded) for a started `serve` to log its "serving" line; that line as JSON (with its
// "http" and "metrics" URLs), or null when it did not come.
nlohmann::json wait_until_serving(Background& daemon, std::chrono::seconds timeout = std::chrono::seconds(30));

// A `serve` started from a config and serving: its process, its "serving" line and its base URL.
struct Serving {
  std::unique_ptr<Background> daemon;
  nlohmann::json line;
  std::string base;  // http://127.0.0.1:<port>
};
// Starts `clientflow-relay serve --config config`; throws, with the daemon's log, when it does not
// come to serve.
Serving serve(const std::string& config);

// A loopback TCP port that was free a moment ago.
std::uint16_t free_port();

// Polls `condition` every 50 ms until it holds or `timeout` passes; its last value.
bool eventually(const std::function<bool()>& condition, std::chrono::seconds timeout = std::chrono::seconds(20));

// A file in a fresh temporary directory holding `text`; the path.
std::string write_temp_file(const std::string& name, const std::string& text);

}  // namespace cf::testing
