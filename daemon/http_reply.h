// Answering HTTP requests the same way everywhere: a JSON body, keep-alive for HTTP/1.1 clients
// (Pistache 0.0.5 would close the connection otherwise), X-Request-Id, and Retry-After where asked. Safe to call
// from any thread on a ResponseWriter the caller owns.
#pragma once

#include <functional>
#include <string>

#include <pistache/http.h>
#include <pistache/router.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "daemon/db_executor.h"

namespace cf::daemon {

// What a reply needs to know about its request, captured before the request goes away. The
// request id is the caller's X-Request-Id (nginx sets one) when it is a sane token, else a new
// random one; every reply sends it back and every log line about the request carries it.
struct ReplyContext {
  bool keep_alive = true;
  std::string request_id;
  static ReplyContext of(const Pistache::Rest::Request& request);
};

// The request id a reply carries: `given` (the caller's X-Request-Id) when it is a sane token
// (1..64 of [A-Za-z0-9._-]), else a new random one.
std::string reply_request_id(const std::string& given);

// Sends `body` as JSON with `code`; `retry_after_seconds` > 0 adds Retry-After.
void send_json(Pistache::Http::ResponseWriter& response, const ReplyContext& context,
               Pistache::Http::Code code, const nlohmann::json& body, int retry_after_seconds = 0);

// 204, no body.
void send_no_content(Pistache::Http::ResponseWriter& response, const ReplyContext& context);

// Sends `body` as-is with `content_type` (for CSV and HTML).
void send_text(Pistache::Http::ResponseWriter& response, const ReplyContext& context, Pistache::Http::Code code,
               const std::string& body, const std::string& content_type);

// {"error": message, "field": field} (field left out when empty).
void send_error(Pistache::Http::ResponseWriter& response, const ReplyContext& context, Pistache::Http::Code code,
                const std::string& message, const std::string& field = {});

// The token of an "Authorization: Bearer <token>" header; empty when there is none.
std::string bearer_token(const Pistache::Rest::Request& request);

// 503 with Retry-After: the database cannot take the request now (unreachable, queue full, stopping).
void send_database_unavailable(Pistache::Http::ResponseWriter& response, const ReplyContext& context);
// Logs `error` with the request id and answers 500 without saying more.
void send_internal_error(Pistache::Http::ResponseWriter& response, const ReplyContext& context, const std::exception& error);

// Runs `work` on `executor` with the request's writer. When the database is unreachable (or the
// executor's queue is full) the request gets 503 with Retry-After; when `work` throws otherwise, 500.
using DatabaseWork =
    std::function<void(pqxx::connection&, Pistache::Http::ResponseWriter&, const ReplyContext&)>;
void answer_from_database(DbExecutor& executor, const Pistache::Rest::Request& request,
                          Pistache::Http::ResponseWriter response, DatabaseWork work);

}  // namespace cf::daemon
