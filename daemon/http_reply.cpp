#include "daemon/http_reply.h"

#include <algorithm>
#include <cctype>
#include <memory>

#include "common/crypto.h"
#include "common/log.h"
#include "daemon/page_headers.h"
#include "daemon/retry_after.h"

namespace cf::daemon {

using namespace Pistache;

namespace {
bool sane_request_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; });
}
}  // namespace

std::string reply_request_id(const std::string& given) {
  return sane_request_id(given) ? given : crypto::to_hex(crypto::random_bytes(8));
}

ReplyContext ReplyContext::of(const Rest::Request& request) {
  const auto connection = request.headers().tryGet<Http::Header::Connection>();
  const bool close = connection && connection->control() == Http::ConnectionControl::Close;
  const auto given = request.headers().tryGetRaw("X-Request-Id");
  return {request.version() == Http::Version::Http11 && !close, reply_request_id(given ? given->value() : std::string())};
}

namespace {
// Pistache has already set "Connection: Close" unless the request asked otherwise.
void keep_alive(Http::ResponseWriter& response, const ReplyContext& context) {
  if (context.keep_alive) {
    response.headers().remove<Http::Header::Connection>();
    response.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
  }
  if (!context.request_id.empty()) response.headers().add<RequestId>(context.request_id);
}
}  // namespace

void send_text(Http::ResponseWriter& response, const ReplyContext& context, Http::Code code, const std::string& body,
               const std::string& content_type) {
  keep_alive(response, context);
  response.headers().add<Http::Header::ContentType>(Http::Mime::MediaType::fromString(content_type));
  response.send(code, body);
}

void send_no_content(Http::ResponseWriter& response, const ReplyContext& context) {
  keep_alive(response, context);
  response.send(Http::Code::No_Content);
}

void send_json(Http::ResponseWriter& response, const ReplyContext& context, Http::Code code,
               const nlohmann::json& body, int retry_after_seconds) {
  keep_alive(response, context);
  if (retry_after_seconds > 0) response.headers().add<RetryAfter>(retry_after_seconds);
  response.headers().add<Http::Header::ContentType>(MIME(Application, Json));
  response.send(code, body.dump());
}

void send_error(Http::ResponseWriter& response, const ReplyContext& context, Http::Code code, const std::string& message,
                const std::string& field) {
  nlohmann::json body{{"error", message}};
  if (!field.empty()) body["field"] = field;
  send_json(response, context, code, body);
}

std::string bearer_token(const Rest::Request& request) {
  const auto raw = request.headers().tryGetRaw("Authorization");
  static const std::string scheme = "Bearer ";
  if (!raw || raw->value().size() <= scheme.size() || raw->value().compare(0, scheme.size(), scheme) != 0) return {};
  return raw->value().substr(scheme.size());
}

void send_database_unavailable(Http::ResponseWriter& response, const ReplyContext& context) {
  constexpr int kRetryAfterSeconds = 5;
  send_json(response, context, Http::Code::Service_Unavailable, {{"error", "database unavailable, retry later"}},
            kRetryAfterSeconds);
}

void send_internal_error(Http::ResponseWriter& response, const ReplyContext& context, const std::exception& error) {
  log::error("request failed", {{"request_id", context.request_id}, {"error", error.what()}});
  send_error(response, context, Http::Code::Internal_Server_Error, "internal error");
}

void answer_from_database(DbExecutor& executor, const Rest::Request& request, Http::ResponseWriter response,
                          DatabaseWork work) {
  auto held = std::make_shared<Http::ResponseWriter>(std::move(response));
  const auto context = ReplyContext::of(request);
  executor.submit({[held, context, work](pqxx::connection& connection) { work(connection, *held, context); },
                   [held, context] { send_database_unavailable(*held, context); },
                   [held, context](const std::exception& e) { send_internal_error(*held, context, e); },
                   ""});
}

}  // namespace cf::daemon
