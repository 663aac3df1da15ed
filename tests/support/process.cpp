#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace cf::testing {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> to_argv(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  return argv;
}

// In the child: apply `env`, wire fds, exec. Never returns.
[[noreturn]] void exec_child(const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env, int out_fd, int err_fd) {
  for (const auto& [key, value] : env) setenv(key.c_str(), value.c_str(), 1);
  int devnull = open("/dev/null", O_RDONLY);
  dup2(devnull, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  // Nothing else is inherited: a server the child starts (pg_ctl) must not hold our pipes open.
  closefrom(3);
  auto argv = to_argv(args);
  execv(argv[0], argv.data());
  const std::string message = "exec failed: " + std::string(std::strerror(errno)) + "\n";
  (void)!write(2, message.data(), message.size());
  _exit(127);
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -1;
}

}  // namespace

std::string relay_binary() { return CLIENTFLOW_RELAY_BINARY; }

Completed run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
              std::chrono::seconds timeout) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    exec_child(args, env, out_pipe[1], err_pipe[1]);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);

  Completed result;
  const auto deadline = Clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 && !killed) {
      kill(pid, SIGKILL);
      killed = true;
    }
    if (poll(fds, 2, killed ? 1000 : static_cast<int>(std::min<long>(left.count(), 1000))) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buffer[4096];
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = killed ? -1 : decode_status(status);
  return result;
}

Background::Background(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  char dir_template[] = "/tmp/cf-proc.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  err_path_ = std::string(dir_template) + "/stderr.log";
  const int err_fd = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int out_fd = open((std::string(dir_template) + "/stdout.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) exec_child(args, env, out_fd, err_fd);
  close(err_fd);
  close(out_fd);
}

Background::~Background() {
  if (running()) stop(SIGKILL, std::chrono::seconds(5));
}

std::string Background::err() const {
  std::ifstream file(err_path_);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

bool Background::running() {
  if (exit_code_ != -2) return false;
  int status = 0;
  const pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    exit_code_ = decode_status(status);
    return false;
  }
  return true;
}

bool Background::wait_for_output(const std::string& needle, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (err().find(needle) != std::string::npos) return true;
    if (!running()) return err().find(needle) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int Background::stop(int signal, std::chrono::seconds timeout) {
  if (!running()) return exit_code_;
  kill(pid_, signal);
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!running()) return exit_code_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_code_ = -1;
  return -1;
}

nlohmann::json wait_until_serving(Background& daemon, std::chrono::seconds timeout) {
  const std::string marker = "\"message\":\"serving\"";
  if (!daemon.wait_for_output(marker, timeout)) return nullptr;
  std::istringstream lines(daemon.err());
  for (std::string line; std::getline(lines, line);) {
    if (line.find(marker) != std::string::npos) return nlohmann::json::parse(line, nullptr, false);
  }
  return nullptr;
}

Serving serve(const std::string& config) {
  Serving out;
  out.daemon = std::make_unique<Background>(std::vector<std::string>{relay_binary(), "serve", "--config", config});
  out.line = wait_until_serving(*out.daemon);
  if (!out.line.is_object()) throw std::runtime_error("the daemon did not come to serve:\n" + out.daemon->err());
  out.base = out.line["http"];
  return out;
}

std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("no free loopback port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

bool eventually(const std::function<bool()>& condition, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

std::string write_temp_file(const std::string& name, const std::string& text) {
  char dir_template[] = "/tmp/cf-file.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::string path = std::string(dir_template) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace cf::testing
