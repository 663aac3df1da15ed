// RetryAfter: the Retry-After response header as a typed Pistache header (Pistache 0.0.5 writes
// typed headers only, never raw ones). Header-only; a plain value.
#pragma once

#include <cstdlib>
#include <ostream>
#include <string>

#include <pistache/http_header.h>

namespace cf::daemon {

class RetryAfter : public Pistache::Http::Header::Header {
 public:
  NAME("Retry-After")
  RetryAfter() = default;
  explicit RetryAfter(int seconds) : seconds_(seconds) {}
  void parse(const std::string& data) override { seconds_ = std::atoi(data.c_str()); }
  void write(std::ostream& os) const override { os << seconds_; }

 private:
  int seconds_ = 0;
};

}  // namespace cf::daemon
