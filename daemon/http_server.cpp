#include "daemon/http_server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/router.h>

#include <nlohmann/json.hpp>

#include "common/log.h"

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

// Pistache 0.0.5 closes HTTP/1.1 connections unless the response asks to keep them.
void send_json(const Rest::Request& request, Http::ResponseWriter& response, Http::Code code,
               const nlohmann::json& body) {
  const auto connection = request.headers().tryGet<Http::Header::Connection>();
  const bool close = connection && connection->control() == Http::ConnectionControl::Close;
  // Pistache has already set "Connection: Close" unless the request asked otherwise.
  if (request.version() == Http::Version::Http11 && !close) {
    response.headers().remove<Http::Header::Connection>();
    response.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
  }
  response.headers().add<Http::Header::ContentType>(MIME(Application, Json));
  response.send(code, body.dump());
}

}  // namespace

HttpServer::HttpServer(const HttpConfig& config, const Readiness& readiness)
    : config_(config), readiness_(readiness), router_(std::make_unique<Rest::Router>()) {
  Rest::Routes::Get(*router_, "/healthz", [](const Rest::Request& request, Http::ResponseWriter response) {
    send_json(request, response, Http::Code::Ok, {{"status", "ok"}});
    return Rest::Route::Result::Ok;
  });
  Rest::Routes::Get(*router_, "/readyz", [this](const Rest::Request& request, Http::ResponseWriter response) {
    if (readiness_.ready()) {
      send_json(request, response, Http::Code::Ok, {{"status", "ready"}});
    } else {
      response.headers().add<RetryAfter>(5);
      send_json(request, response, Http::Code::Service_Unavailable,
                {{"status", "not ready"}, {"reason", readiness_.reason()}});
    }
    return Rest::Route::Result::Ok;
  });
  Rest::Routes::NotFound(*router_, [](const Rest::Request& request, Http::ResponseWriter response) {
    send_json(request, response, Http::Code::Not_Found, {{"error", "not found"}});
    return Rest::Route::Result::Ok;
  });
}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  try {
    Address address(config_.listen.host, Port(config_.listen.port));
    endpoint_ = std::make_unique<Http::Endpoint>(address);
    auto options = Http::Endpoint::options()
                       .threads(config_.threads)
                       .flags(Tcp::Options::ReuseAddr)
                       .maxRequestSize(config_.max_body_bytes + 16 * 1024)
                       .headerTimeout(std::chrono::seconds(10))
                       .bodyTimeout(std::chrono::seconds(30))
                       .keepaliveTimeout(std::chrono::seconds(75));
    endpoint_->init(options);
    endpoint_->setHandler(router_->handler());
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
