// The commands ./scripts/run's banner and the README show work as printed, from the checkout's
// root, in a shell with an empty environment (`env -i`), while the embedded setup serves. The
// test lays out a checkout of its own (scripts/, config/, README.md, and build/bin/ linked to the
// binary under test), has scripts/lib/common.sh generate what ./scripts/run generates
// (write_relay_env, serving_banner) for a migrated test database, and runs each command.
#define BOOST_TEST_MODULE embedded_commands
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/support/process.h"
#include "tests/support/test_database.h"

using namespace cf;
using namespace cf::testing;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A checkout of its own in a temporary directory, so the test never touches the source tree's
// .local/: the scripts, the example config and the README copied, the binary linked.
struct Checkout {
  fs::path root;
  Checkout() {
    root = fs::path(write_temp_file("marker", "")).parent_path() / "checkout";
    for (const char* dir : {"scripts/lib", "config", "build/bin"}) fs::create_directories(root / dir);
    const fs::path source = CLIENTFLOW_SOURCE_DIR;
    for (const char* file : {"scripts/relay", "scripts/lib/common.sh", "config/example.yaml", "README.md"}) {
      fs::copy_file(source / file, root / file);
    }
    fs::create_symlink(relay_binary(), root / "build/bin/clientflow-relay");
  }
  ~Checkout() {
    std::error_code ignored;
    fs::remove_all(root.parent_path(), ignored);
  }
};

// `command` run by bash from `root` with an empty environment, as a fresh shell would.
Completed in_fresh_shell(const fs::path& root, const std::string& command) {
  return run({"/usr/bin/env", "-i", "/bin/bash", "-c", "cd '" + root.string() + "' && " + command});
}

// The `./scripts/relay ...` commands `text` shows: lines of the banner, or code spans and code
// lines of the README. Those with a placeholder (<id>, ID, EMAIL...) are templates, not commands.
std::vector<std::string> relay_commands(const std::string& text) {
  static const std::regex command(R"((\./scripts/relay [^`\n]+))");
  static const std::regex placeholder(R"(<[a-z -]+>| [A-Z]{1,10}( |$)|\.\.\.)");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), command); it != std::sregex_iterator(); ++it) {
    std::string found = (*it)[1];
    if (std::regex_search(found, placeholder)) continue;
    found.erase(found.find_last_not_of(" ;,.") + 1);
    out.push_back(found);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_banner_and_readme_commands_work_in_an_empty_environment) {
  TestDatabase db;
  db.migrate();
  Checkout checkout;
  const std::string config = (checkout.root / "config/example.yaml").string();

  // Before ./scripts/run has set anything up, the wrapper says what to do.
  const auto unset = in_fresh_shell(checkout.root, "./scripts/relay tenant list");
  BOOST_TEST(unset.exit_code == 1);
  BOOST_TEST(unset.err.find("run ./scripts/run first") != std::string::npos, unset.err);

  // What ./scripts/run generates just before it serves, with the variables it has then.
  const auto generated = run({"/bin/bash", "-c",
                              "source '" + (checkout.root / "scripts/lib/common.sh").string() + "' && write_relay_env '" +
                                  config + "' && serving_banner '" + config + "'"},
                             {{"CLIENTFLOW_DATABASE_URL", db.url()},
                              {"CLIENTFLOW_MIGRATION_DATABASE_URL", "postgresql://owner:secret@127.0.0.1/never"},
                              {"SYSTEME_WEBHOOK_SECRET", "webhook-secret-0123456789"},
                              {"CLIENTFLOW_ADMIN_TOKEN", "admin-token-0123456789-abcdefghijklmnop"}});
  BOOST_REQUIRE_MESSAGE(generated.exit_code == 0, generated.err);
  const fs::path env_file = checkout.root / ".local/relay.env";
  struct stat info {};
  BOOST_REQUIRE(stat(env_file.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0600u);
  BOOST_TEST(read_file(env_file).find("owner:secret") == std::string::npos, "the migration role's URL is never kept");

  // The banner's commands, exactly, then every command the README shows without a placeholder.
  const auto banner = relay_commands(generated.err);
  const std::vector<std::string> expected{"./scripts/relay tenant list",
                                          "./scripts/relay tenant add --name \"Your IB\" --email ib@example.com",
                                          "./scripts/relay report", "./scripts/relay --help"};
  BOOST_TEST(banner == expected, boost::test_tools::per_element());
  BOOST_TEST(generated.err.find("In another shell, from " + checkout.root.string()) != std::string::npos, generated.err);
  std::vector<std::string> commands = banner;
  const auto documented = relay_commands(read_file(checkout.root / "README.md"));
  BOOST_TEST(documented.size() >= 3u, "the README shows the wrapper's commands");
  commands.insert(commands.end(), documented.begin(), documented.end());
  for (const auto& command : commands) {
    const auto done = in_fresh_shell(checkout.root, command);
    BOOST_TEST(done.exit_code == 0, command << " failed:\n" << done.out << done.err);
  }

  // They acted on the setup's database: the tenant the banner's `tenant add` made is listed.
  const auto listed = in_fresh_shell(checkout.root, "./scripts/relay tenant list --format json");
  BOOST_TEST(listed.exit_code == 0, listed.err);
  BOOST_TEST(listed.out.find("\"Your IB\"") != std::string::npos, listed.out);
}
