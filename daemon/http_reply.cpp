#include "daemon/http_reply.h"

#include "daemon/retry_after.h"

namespace cf::daemon {

using namespace Pistache;

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
