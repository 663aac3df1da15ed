// Secret: a string that must never reach a log line, an error message or a metric label.
// It has no stream operator and no implicit conversion; code that needs the bytes calls
// reveal() at the one place they are used. A plain value, safe to copy between threads.
#pragma once

#include <string>

namespace cf {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const Secret& a, const Secret& b) { return a.value_ == b.value_; }

 private:
  std::string value_;
};

}  // namespace cf
