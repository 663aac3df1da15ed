#include "daemon/request_framing.h"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include <pistache/http.h>
#include <pistache/peer.h>
#include <pistache/router.h>
#include <pistache/transport.h>

#include <nlohmann/json.hpp>

#include "daemon/daemon_metrics.h"
#include "daemon/http_reply.h"

namespace cf::daemon {

namespace {

bool is_token_char(char c) {
  static const std::string_view extra = "!#$%&'*+-.^_`|~";
  return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
}

// The methods Pistache 0.0.5 parses; anything else it refuses, so it is refused here first.
bool is_method(std::string_view method) {
  for (std::string_view known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT"}) {
    if (method == known) return true;
  }
  return false;
}

bool is_target(std::string_view target) {
  return !target.empty() && std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Visible ASCII, space, tab and bytes of UTF-8 sequences; no other control character.
bool is_field_value(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte == '\t' || (byte >= 0x20 && byte != 0x7f);
  });
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

RequestFramer::Refusal bad_request(std::string message) { return {400, "bad_request", std::move(message), {}}; }

}  // namespace

std::optional<RequestFramer::Refusal> RequestFramer::read_head(std::string_view head) {
  body_bytes_ = 0;
  expect_continue_ = false;
  request_id_.clear();
  std::optional<Refusal> problem;
  const auto found = [&problem](Refusal refusal) {
    if (!problem) problem = std::move(refusal);
  };
  head.remove_suffix(4);  // the blank line
  bool content_length = false;
  for (std::size_t line_number = 0; !head.empty() || line_number == 0; ++line_number) {
    const std::size_t end = head.find("\r\n");
    const std::string_view line = head.substr(0, end);
    head.remove_prefix(end == std::string_view::npos ? head.size() : end + 2);
    if (line_number == 0) {
      const std::size_t first = line.find(' '), last = line.rfind(' ');
      if (first == std::string_view::npos || first == last || !is_method(line.substr(0, first)) ||
          !is_target(line.substr(first + 1, last - first - 1)) ||
          (line.substr(last + 1) != "HTTP/1.1" && line.substr(last + 1) != "HTTP/1.0")) {
        found(bad_request("malformed request line"));
      }
      continue;
    }
    const std::size_t colon = line.find(':');
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = colon == std::string_view::npos ? std::string_view() : trimmed(line.substr(colon + 1));
    if (colon == std::string_view::npos || name.empty() || !std::all_of(name.begin(), name.end(), is_token_char) ||
        !is_field_value(line.substr(colon + 1))) {
      found(bad_request("malformed header line"));
    } else if (same_name(name, "Content-Length")) {
      if (content_length) found(bad_request("more than one Content-Length"));
      content_length = true;
      if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        found(bad_request("malformed Content-Length"));
      } else if (value.size() > 15 || std::stoull(std::string(value)) > limits_.max_body_bytes) {
        found({413, "too_large", "body too large", {}});
      } else {
        body_bytes_ = std::stoull(std::string(value));
      }
    } else if (same_name(name, "Transfer-Encoding")) {
      found({411, "length_required", "send the body with a Content-Length, not a Transfer-Encoding", {}});
    } else if (same_name(name, "Expect")) {
      expect_continue_ = same_name(value, "100-continue");
    } else if (same_name(name, "X-Request-Id") && request_id_.empty()) {
      request_id_ = std::string(value);
    }
  }
  if (problem) problem->request_id = request_id_;
  return problem;
}

std::optional<RequestFramer::Refusal> RequestFramer::refuse(Refusal refusal) {
  closed_ = true;
  head_.clear();
  head_.shrink_to_fit();
  return refusal;
}

std::optional<RequestFramer::Refusal> RequestFramer::feed(std::string_view data, Sink& sink) {
  std::string carried;  // bytes that came after a request, with it
  while (!closed_ && !data.empty()) {
    if (body_left_ > 0) {
      const std::size_t take = std::min(body_left_, data.size());
      body_left_ -= take;
      closed_ = !sink.forward(data.substr(0, take), body_left_ == 0);
      data.remove_prefix(take);
      continue;
    }
    const std::size_t search_from = head_.size() < 3 ? 0 : head_.size() - 3;
    head_.append(data);
    data = {};
    const std::size_t blank_line = head_.find("\r\n\r\n", search_from);
    const std::size_t head_size = blank_line == std::string::npos ? head_.size() : blank_line + 4;
    if (head_size > limits_.max_head_bytes) return refuse({431, "head_too_large", "request head too large", {}});
    if (blank_line == std::string::npos) return std::nullopt;
    if (auto problem = read_head(std::string_view(head_).substr(0, head_size))) return refuse(std::move(*problem));
    const std::size_t arrived = head_.size() - head_size;
    if (expect_continue_ && arrived < body_bytes_) sink.continue_expected();
    const std::size_t take = std::min(body_bytes_, arrived);
    body_left_ = body_bytes_ - take;
    closed_ = !sink.forward(std::string_view(head_).substr(0, head_size + take), body_left_ == 0);
    carried = head_.substr(head_size + take);
    head_.clear();
    data = carried;
  }
  return std::nullopt;
}

std::size_t request_buffer_bytes(RequestFramer::Limits limits) {
  return limits.max_head_bytes + limits.max_body_bytes + 1024;
}

namespace {

using namespace Pistache;

constexpr const char* kFramerData = "cf.RequestFramer";

// The router's handler, counting the requests Pistache parsed whole and handed on: a request it
// was given whole that it did not hand on, it refused.
class CountingRouter final : public Rest::Private::RouterHandler {
 public:
  HTTP_PROTOTYPE(CountingRouter)
  explicit CountingRouter(const Rest::Router& router) : RouterHandler(router) {}
  void onRequest(const Http::Request& request, Http::ResponseWriter response) override {
    ++parsed;
    RouterHandler::onRequest(request, std::move(response));
  }
  std::uint64_t parsed = 0;
};

// Hands one connection's accepted bytes to the router's handler, and says stop when Pistache
// did not take them as the framer did (it refused the request and has answered it).
class RouterSink final : public RequestFramer::Sink {
 public:
  RouterSink(CountingRouter& router, const std::shared_ptr<Tcp::Peer>& peer) : router_(router), peer_(peer) {}

  void continue_expected() override {
    static const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
    peer_->send(RawBuffer(interim, interim.size()));
  }

  bool forward(std::string_view bytes, bool ends) override {
    const std::uint64_t before = router_.parsed;
    static_cast<Tcp::Handler&>(router_).onInput(bytes.data(), bytes.size(), peer_);
    if (ends) return router_.parsed == before + 1;
    return router_.parsed == before && Http::Handler::getParser(peer_)->step()->id() == Http::Private::BodyStep::Id;
  }

 private:
  CountingRouter& router_;
  const std::shared_ptr<Tcp::Peer>& peer_;
};

const char* reason_phrase(int status) {
  switch (status) {
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    default: return "Bad Request";
  }
}

// Sends `bytes` (after whatever is queued for the connection), then shuts its write side, so the
// client reads every answer and then the end of the stream; what it still sends is dropped.
void send_and_close(const std::shared_ptr<Tcp::Peer>& peer, const std::string& bytes) {
  std::weak_ptr<Tcp::Peer> weak = peer;
  peer->send(RawBuffer(bytes, bytes.size()))
      .then([weak](ssize_t) {
              if (auto alive = weak.lock()) shutdown(alive->fd(), SHUT_WR);
            },
            Async::IgnoreException);
}

std::string refusal_answer(const RequestFramer::Refusal& refusal) {
  const std::string body = nlohmann::json{{"error", refusal.message}}.dump();
  return "HTTP/1.1 " + std::to_string(refusal.status) + " " + reason_phrase(refusal.status) +
         "\r\nContent-Type: application/json\r\nX-Request-Id: " + reply_request_id(refusal.request_id) +
         "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class FramingHandler final : public Http::Handler, public std::enable_shared_from_this<FramingHandler> {
 public:
  FramingHandler(std::shared_ptr<CountingRouter> router, RequestFramer::Limits limits)
      : router_(std::move(router)), limits_(limits) {}

  std::shared_ptr<Tcp::Handler> clone() const override {
    auto copy = std::make_shared<FramingHandler>(std::static_pointer_cast<CountingRouter>(router_->clone()), limits_);
    copy->setMaxRequestSize(getMaxRequestSize());
    copy->setMaxResponseSize(getMaxResponseSize());
    copy->setHeaderTimeout(getHeaderTimeout());
    copy->setBodyTimeout(getBodyTimeout());
    return copy;
  }

  void onRequest(const Http::Request&, Http::ResponseWriter) override {}  // requests go to the router's handler

  void onConnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    bind_router();
    peer->putData(kFramerData, std::make_shared<RequestFramer>(limits_));
    static_cast<Tcp::Handler&>(*router_).onConnection(peer);
  }

  void onInput(const char* buffer, size_t length, const std::shared_ptr<Tcp::Peer>& peer) override {
    const auto framer = std::static_pointer_cast<RequestFramer>(peer->tryGetData(kFramerData));
    if (!framer || framer->closed()) return;  // closing: the client's bytes are dropped
    RouterSink sink(*router_, peer);
    if (const auto refusal = framer->feed({buffer, length}, sink)) {
      DaemonMetrics::process_wide().request_refused(refusal->reason);
      send_and_close(peer, refusal_answer(*refusal));
    } else if (framer->closed()) {
      DaemonMetrics::process_wide().request_refused("bad_request");
      send_and_close(peer, {});  // after Pistache's own answer
    }
  }

  void onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) override { router_->onDisconnection(peer); }

 private:
  // Associates the router's handler with this worker's transport, and the transport with this
  // handler again (see the header): Transport::init() is the only public way to do the first.
  void bind_router() {
    if (bound_) return;
    const auto self = shared_from_this();
    Tcp::Transport* worker = transport();
    worker->init(router_);
    worker->init(self);
    router_->setMaxRequestSize(getMaxRequestSize());
    router_->setMaxResponseSize(getMaxResponseSize());
    bound_ = true;
  }

  std::shared_ptr<CountingRouter> router_;
  RequestFramer::Limits limits_;
  bool bound_ = false;
};

}  // namespace

std::shared_ptr<Http::Handler> framing_handler(const Rest::Router& router, RequestFramer::Limits limits) {
  return std::make_shared<FramingHandler>(std::make_shared<CountingRouter>(router), limits);
}

}  // namespace cf::daemon
