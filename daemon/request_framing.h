// Request framing: where each request on a connection begins and ends, decided from its bytes
// before Pistache parses them, so that a request refused before it was read whole can never
// leave the rest of its bytes to be read as further requests (request desync).
//
// Pistache 0.0.5 answers a request over its buffer with a plain-text 413 and keeps the
// connection open, parses whatever follows as new requests, drops the bytes of a second request
// that arrived with the first, and keeps connections open after its own error answers. So every
// connection's bytes go through a RequestFramer first. It reads each request's head (at most
// max_head_bytes) and checks it strictly: a request line of a method Pistache knows, a target of
// printable ASCII and HTTP/1.0 or 1.1; header lines of a token, a colon and a value without
// control characters; at most one Content-Length, of digits; no Transfer-Encoding. A request
// that passes goes on to Pistache head and body together, one request at a time (so pipelined
// requests are all answered); one that does not is answered at once with the documented JSON
// error and `Connection: close` -- 413 for a Content-Length over max_body_bytes (whatever the
// size of Pistache's buffer, which is made larger than any request that passes), 431 for a head
// too large, 411 for a Transfer-Encoding, 400 for anything malformed -- and the connection is
// closed after that answer: its write side is shut, and what the client still sends is read
// and dropped until it closes (or Pistache's header timeout removes it). A request Pistache
// still refuses (a header value its typed parsers reject) gets Pistache's own answer, and the
// connection is closed after it in the same way. A head with `Expect: 100-continue` gets
// `100 Continue` once it passes, and its final answer without waiting for the body when not.
//
// How it sits in Pistache without patching it: Http::Handler::onInput is private, so the
// handler given to the endpoint is a FramingHandler (request_framing.cpp) that owns the router's
// handler and passes it the framed bytes through its public Tcp::Handler interface. The router's
// handler must write its answers through the same Tcp::Transport as the FramingHandler; the only
// public way to associate a handler with a transport is Transport::init(), so on the first
// connection of each worker the FramingHandler calls init() with the router's handler and then
// with itself again (init only swaps the transport's handler pointer and associates it). Each
// worker thread has its own clone of both handlers; a connection's framer is kept in its Peer.
//
// RequestFramer is plain logic, one per connection, used from that connection's worker thread
// only. framing_handler() is called once, before the endpoint starts.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace Pistache::Http {
class Handler;
}
namespace Pistache::Rest {
class Router;
}

namespace cf::daemon {

class RequestFramer {
 public:
  struct Limits {
    std::size_t max_head_bytes = 64 * 1024;  // request line and headers, as nginx's 4 x 16 KiB
    std::size_t max_body_bytes = 1024 * 1024;
  };

  // A request answered before it was read whole; its connection is then closed.
  struct Refusal {
    int status = 400;          // 400, 411, 413 or 431
    std::string reason;        // for the metric: bad_request, length_required, too_large, head_too_large
    std::string message;       // the {"error": ...} text
    std::string request_id;    // the request's X-Request-Id as sent, when its head was read
  };

  // Where accepted bytes go.
  class Sink {
   public:
    virtual ~Sink() = default;
    // A head passed and its sender waits for "100 Continue" before sending the body.
    virtual void continue_expected() = 0;
    // The next `bytes` of one request, in order; `ends` when they complete it. Returns false to
    // stop: the framer then drops everything after (the caller closes the connection).
    virtual bool forward(std::string_view bytes, bool ends) = 0;
  };

  explicit RequestFramer(Limits limits) : limits_(limits) {}

  // Reads the connection's next bytes, handing what passes to `sink`; the refusal when a request
  // is refused. After a refusal, or a sink's stop, closed() holds and every byte is dropped.
  std::optional<Refusal> feed(std::string_view data, Sink& sink);
  bool closed() const { return closed_; }

 private:
  // Checks a complete head; the refusal, or nothing with body_bytes_ and expect_continue_ set.
  std::optional<Refusal> read_head(std::string_view head);
  std::optional<Refusal> refuse(Refusal refusal);

  Limits limits_;
  std::string head_;             // bytes of a head not complete yet (and what came with them)
  std::size_t body_left_ = 0;    // body bytes of the current request still to come
  std::size_t body_bytes_ = 0;   // the Content-Length of the head just read
  bool expect_continue_ = false;
  std::string request_id_;
  bool closed_ = false;
};

// The handler to give Pistache's endpoint: frames every connection's requests as above, and
// passes those that pass to `router` (copied). Bodies are limited to `limits.max_body_bytes`;
// the endpoint's maxRequestSize must be at least request_buffer_bytes(limits).
std::shared_ptr<Pistache::Http::Handler> framing_handler(const Pistache::Rest::Router& router,
                                                         RequestFramer::Limits limits);
std::size_t request_buffer_bytes(RequestFramer::Limits limits);

}  // namespace cf::daemon
