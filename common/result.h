// Result<T> and Status: expected failures (bad input, a database that is down, a refused key)
// travel as values. A Result holds either a T or an Error with a kind and a one-line message.
// Broken invariants are not Results: they throw or abort at the point of detection.
// Values of these types are plain data: safe to copy and move between threads.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace cf {

// What kind of failure an Error is; callers map it to exit codes and HTTP statuses.
enum class ErrorKind {
  invalid_input,  // the caller's fault: bad flag, bad field, bad config value
  conflict,       // valid input that clashes with stored state (a prefix in use)
  not_found,      // the thing named does not exist (or is not visible to the caller)
  unavailable,    // a dependency (PostgreSQL, Systeme.io) cannot be reached now
  internal,       // anything else; logged with detail
};

struct Error {
  ErrorKind kind;
  std::string message;
};

inline Error invalid_input(std::string message) { return {ErrorKind::invalid_input, std::move(message)}; }
inline Error conflict(std::string message) { return {ErrorKind::conflict, std::move(message)}; }
inline Error not_found(std::string message) { return {ErrorKind::not_found, std::move(message)}; }
inline Error unavailable(std::string message) { return {ErrorKind::unavailable, std::move(message)}; }
inline Error internal_error(std::string message) { return {ErrorKind::internal, std::move(message)}; }

template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}    // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  // Access the value; calling these on an error is a programming mistake and throws.
  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->checked(); }
  T& operator*() { return checked(); }

  const Error& error() const {
    if (ok()) throw std::logic_error("Result::error() on a value");
    return std::get<Error>(state_);
  }

 private:
  T& checked() {
    if (!ok()) throw std::logic_error("Result::value() on error: " + std::get<Error>(state_).message);
    return std::get<T>(state_);
  }
  std::variant<T, Error> state_;
};

// A Result with no value: success, or an Error.
class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design
  static Status success() { return {}; }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_{ErrorKind::internal, {}};
  bool failed_ = false;
};

}  // namespace cf
