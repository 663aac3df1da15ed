#include "daemon/http_reply.h"

namespace cf::daemon {

using namespace Pistache;

namespace {

// Retry-After as a typed header: Pistache 0.0.5 does not write raw headers.
class RetryAfter : public Http::Header::Header {
 public:
  NAME("Retry-After")
  RetryAfter() = default;
  explicit RetryAfter(int seconds) : seconds_(seconds) {}
  void parse(const std::string& data) override { seconds_ = std::atoi(data.c_str()); }
  void write(std::ostream& os) const override { os << seconds_; }

 private:
  int seconds_ = 0;
};

}  // namespace

ReplyContext ReplyContext::of(const Rest::Request& request) {
  const auto connection = request.headers().tryGet<Http::Header::Connection>();
  const bool close = connection && connection->control() == Http::ConnectionControl::Close;
  return {request.version() == Http::Version::Http11 && !close};
}

void send_json(Http::ResponseWriter& response, const ReplyContext& context, Http::Code code,
               const nlohmann::json& body, int retry_after_seconds) {
  // Pistache has already set "Connection: Close" unless the request asked otherwise.
  if (context.keep_alive) {
    response.headers().remove<Http::Header::Connection>();
    response.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
  }
  if (retry_after_seconds > 0) response.headers().add<RetryAfter>(retry_after_seconds);
  response.headers().add<Http::Header::ContentType>(MIME(Application, Json));
  response.send(code, body.dump());
}

}  // namespace cf::daemon
