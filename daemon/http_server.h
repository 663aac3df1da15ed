// HttpServer: the daemon's HTTP listener (Pistache) on http.listen. It owns the endpoint and its
// worker threads; handlers are thin and answer from state kept elsewhere (see Readiness).
// start() and stop() are called from one controlling thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "daemon/readiness.h"

namespace Pistache::Http {
class Endpoint;
}
#include <pistache/router.h>

namespace cf::daemon {

// What a route takes as its request body. json (the default): a body, when there is one, must be
// declared JSON (application/json or application/<name>+json, any parameters); any other body is
// answered 415 with a JSON error before the route's handler runs. form: the route reads an HTML
// form itself. any: the route judges its body by its bytes whatever its declared media type
// (Systeme.io's rule webhooks, whose media type is not known).
enum class RequestBody { json, form, any };

// True when `request` declares its body JSON in its Content-Type.
bool declares_json(const Pistache::Rest::Request& request);

class HttpServer {
 public:
  HttpServer(const HttpConfig& config, const Readiness& readiness);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Adds a route, before start(). `path` uses Pistache's ":param" form; `method` is GET, POST...
  void add_route(const std::string& method, const std::string& path, Pistache::Rest::Route::Handler handler,
                 RequestBody body = RequestBody::json);
  // The same, answered by `object`'s member function `handler`, which owns the writer it is given.
  template <typename Owner>
  void add_route(const std::string& method, const std::string& path, Owner* object,
                 void (Owner::*handler)(const Pistache::Rest::Request&, Pistache::Http::ResponseWriter),
                 RequestBody body = RequestBody::json) {
    add_route(method, path, [object, handler](const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response) {
      (object->*handler)(request, std::move(response));
      return Pistache::Rest::Route::Result::Ok;
    }, body);
  }

  struct RouteEntry {
    std::string method;
    std::string path;
  };
  // Every route added, in order: what docs/openapi.yaml must describe.
  const std::vector<RouteEntry>& routes() const { return routes_; }

  // Binds and starts serving on background threads; unavailable when the address is taken.
  Status start();
  // Stops accepting and joins the worker threads.
  void stop();
  // The bound port (the kernel's choice when http.listen asked for port 0).
  std::uint16_t port() const;

 private:
  HttpConfig config_;
  const Readiness& readiness_;
  std::unique_ptr<Pistache::Rest::Router> router_;
  std::vector<RouteEntry> routes_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  bool running_ = false;
};

}  // namespace cf::daemon
