// Typed response headers (Pistache 0.0.5 writes typed headers only, never raw ones) for the
// admin page and every reply's X-Request-Id: each carries its value as text. Header-only.
#pragma once

#include <ostream>
#include <string>
#include <utility>

#include <pistache/http_header.h>

namespace cf::daemon {

#define CF_TEXT_HEADER(Class, header_name)                                          \
  class Class : public Pistache::Http::Header::Header {                             \
   public:                                                                          \
    NAME(header_name)                                                               \
    Class() = default;                                                              \
    explicit Class(std::string value) : value_(std::move(value)) {}                 \
    void parse(const std::string& data) override { value_ = data; }                 \
    void write(std::ostream& os) const override { os << value_; }                   \
                                                                                    \
   private:                                                                         \
    std::string value_;                                                             \
  };

CF_TEXT_HEADER(ContentSecurityPolicy, "Content-Security-Policy")
CF_TEXT_HEADER(ContentTypeOptions, "X-Content-Type-Options")
CF_TEXT_HEADER(ReferrerPolicy, "Referrer-Policy")
CF_TEXT_HEADER(RequestId, "X-Request-Id")

#undef CF_TEXT_HEADER

}  // namespace cf::daemon
