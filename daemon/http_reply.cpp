#include "daemon/http_reply.h"

#include "daemon/retry_after.h"

namespace cf::daemon {

using namespace Pistache;

ReplyContext ReplyContext::of(const Rest::Request& request) {
  const auto connection = request.headers().tryGet<Http::Header::Connection>();
  const bool close = connection && connection->control() == Http::ConnectionControl::Close;
  return {request.version() == Http::Version::Http11 && !close};
}

namespace {
// Pistache has already set "Connection: Close" unless the request asked otherwise.
void keep_alive(Http::ResponseWriter& response, const ReplyContext& context) {
  if (context.keep_alive) {
    response.headers().remove<Http::Header::Connection>();
    response.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
  }
}
}  // namespace

void send_text(Http::ResponseWriter& response, const ReplyContext& context, Http::Code code, const std::string& body,
               const std::string& content_type) {
  keep_alive(response, context);
  response.headers().add<Http::Header::ContentType>(Http::Mime::MediaType::fromString(content_type));
  response.send(code, body);
}

void send_json(Http::ResponseWriter& response, const ReplyContext& context, Http::Code code,
               const nlohmann::json& body, int retry_after_seconds) {
  keep_alive(response, context);
  if (retry_after_seconds > 0) response.headers().add<RetryAfter>(retry_after_seconds);
  response.headers().add<Http::Header::ContentType>(MIME(Application, Json));
  response.send(code, body.dump());
}

}  // namespace cf::daemon
