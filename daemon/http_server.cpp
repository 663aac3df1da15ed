#include "daemon/http_server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/router.h>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "daemon/http_reply.h"
#include "daemon/request_framing.h"

namespace cf::daemon {

using namespace Pistache;


HttpServer::HttpServer(const HttpConfig& config, const Readiness& readiness)
    : config_(config), readiness_(readiness), router_(std::make_unique<Rest::Router>()) {
  add_route("GET", "/healthz", [](const Rest::Request& request, Http::ResponseWriter response) {
    send_json(response, ReplyContext::of(request), Http::Code::Ok, {{"status", "ok"}});
    return Rest::Route::Result::Ok;
  });
  add_route("GET", "/readyz", [this](const Rest::Request& request, Http::ResponseWriter response) {
    if (readiness_.ready()) {
      send_json(response, ReplyContext::of(request), Http::Code::Ok, {{"status", "ready"}});
    } else {
      send_json(response, ReplyContext::of(request), Http::Code::Service_Unavailable,
                {{"status", "not ready"}, {"reason", readiness_.reason()}}, 5);
    }
    return Rest::Route::Result::Ok;
  });
  Rest::Routes::NotFound(*router_, [](const Rest::Request& request, Http::ResponseWriter response) {
    send_json(response, ReplyContext::of(request), Http::Code::Not_Found, {{"error", "not found"}});
    return Rest::Route::Result::Ok;
  });
}

HttpServer::~HttpServer() { stop(); }

bool declares_json(const Rest::Request& request) {
  const auto declared = request.headers().tryGet<Http::Header::ContentType>();
  if (!declared) return false;
  const auto& type = declared->mime();
  return type.top() == Http::Mime::Type::Application &&
         (type.sub() == Http::Mime::Subtype::Json || type.suffix() == Http::Mime::Suffix::Json);
}

void HttpServer::add_route(const std::string& method, const std::string& path, Rest::Route::Handler route,
                           RequestBody body) {
  // A JSON route never sees a body declared as something else.
  auto handler = [body, route = std::move(route)](const Rest::Request& request, Http::ResponseWriter response) {
    if (body == RequestBody::json && !request.body().empty() && !declares_json(request)) {
      send_error(response, ReplyContext::of(request), Http::Code::Unsupported_Media_Type,
                 "the body must be JSON sent with Content-Type: application/json");
      return Rest::Route::Result::Ok;
    }
    return route(request, std::move(response));
  };
  if (method == "GET") Rest::Routes::Get(*router_, path, std::move(handler));
  else if (method == "POST") Rest::Routes::Post(*router_, path, std::move(handler));
  else if (method == "PATCH") Rest::Routes::Patch(*router_, path, std::move(handler));
  else if (method == "DELETE") Rest::Routes::Delete(*router_, path, std::move(handler));
  else throw std::invalid_argument("add_route: unsupported method " + method);
  routes_.push_back({method, path});
}

Status HttpServer::start() {
  try {
    Address address(config_.listen.host, Port(config_.listen.port));
    endpoint_ = std::make_unique<Http::Endpoint>(address);
    const RequestFramer::Limits limits{RequestFramer::Limits{}.max_head_bytes, config_.max_body_bytes};
    auto options = Http::Endpoint::options()
                       .threads(config_.threads)
                       .flags(Tcp::Options::ReuseAddr)
                       .maxRequestSize(request_buffer_bytes(limits))
                       .headerTimeout(std::chrono::seconds(10))
                       .bodyTimeout(std::chrono::seconds(30))
                       .keepaliveTimeout(std::chrono::seconds(75));
    endpoint_->init(options);
    endpoint_->setHandler(framing_handler(*router_, limits));
    endpoint_->serveThreaded();
    running_ = true;
    return Status::success();
  } catch (const std::exception& e) {
    endpoint_.reset();
    return unavailable("cannot listen on " + config_.listen.str() + ": " + e.what());
  }
}

void HttpServer::stop() {
  if (!running_) return;
  running_ = false;
  endpoint_->shutdown();
}

std::uint16_t HttpServer::port() const {
  return endpoint_ ? static_cast<std::uint16_t>(endpoint_->getPort()) : 0;
}

}  // namespace cf::daemon
