// RequestFramer: each request's bytes found from the connection's bytes however they are cut,
// passed on one request at a time, and the refusals that close a connection.
#define BOOST_TEST_MODULE request_framing
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "daemon/request_framing.h"

using cf::daemon::RequestFramer;

namespace {

// Collects what the framer passes on: the bytes of each request, whole.
struct Recorder : RequestFramer::Sink {
  std::vector<std::string> requests{""};
  int continues = 0;
  bool stop_after_first = false;
  void continue_expected() override { ++continues; }
  bool forward(std::string_view bytes, bool ends) override {
    requests.back() += bytes;
    if (ends) requests.emplace_back();
    return !(ends && stop_after_first);
  }
  std::vector<std::string> whole() const { return {requests.begin(), requests.end() - 1}; }
};

const std::string kGet = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string kPost = "POST /v1/leads HTTP/1.1\r\nContent-Length: 5\r\nX-Request-Id: r-1\r\n\r\nhello";

RequestFramer framer() { return RequestFramer({1024, 100}); }

}  // namespace

BOOST_AUTO_TEST_CASE(requests_are_found_however_the_bytes_are_cut) {
  const std::string stream = kGet + kPost + kGet;
  for (std::size_t cut = 1; cut <= stream.size(); ++cut) {
    auto f = framer();
    Recorder sink;
    for (std::size_t at = 0; at < stream.size(); at += cut) BOOST_TEST(!f.feed(std::string_view(stream).substr(at, cut), sink));
    BOOST_TEST((sink.whole() == std::vector<std::string>{kGet, kPost, kGet}), "cut every " << cut << " bytes");
    BOOST_TEST(sink.requests.back().empty());
  }
}

BOOST_AUTO_TEST_CASE(a_body_over_the_limit_is_refused_from_its_head) {
  auto f = framer();
  Recorder sink;
  const auto refusal = f.feed(kGet + "POST /x HTTP/1.1\r\nX-Request-Id: big-1\r\nContent-Length: 101\r\n\r\n" + kGet, sink);
  BOOST_REQUIRE(refusal);
  BOOST_TEST(refusal->status == 413);
  BOOST_TEST(refusal->message == "body too large");
  BOOST_TEST(refusal->request_id == "big-1");
  BOOST_TEST((sink.whole() == std::vector<std::string>{kGet}));
  BOOST_TEST(f.closed());
  BOOST_TEST(!f.feed(kGet, sink));  // dropped
  BOOST_TEST(sink.whole().size() == 1u);
  BOOST_TEST(framer().feed("POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", sink)->status == 413);
  BOOST_TEST(!framer().feed("POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\n", sink));
}

BOOST_AUTO_TEST_CASE(malformed_heads_are_refused) {
  const std::vector<std::pair<std::string, int>> cases{
      {"GARBAGE / HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/9.9\r\n\r\n", 400},
      {"GET  / HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.1 extra\r\n\r\n", 400},
      {"\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nName : v\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\n folded: v\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nX: a\x01" "b\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nX: a\nb\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\nx", 400},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411},
      {"GET / HTTP/1.1\r\nX: " + std::string(1100, 'a') + "\r\n\r\n", 431},
      {"GET / HTTP/1.1\r\nX: " + std::string(1100, 'a'), 431},
  };
  for (const auto& [head, status] : cases) {
    auto f = framer();
    Recorder sink;
    const auto refusal = f.feed(head, sink);
    BOOST_TEST_CONTEXT(head.substr(0, 60)) {
      BOOST_TEST((refusal && refusal->status == status));
      BOOST_TEST(sink.requests.front().empty());
      BOOST_TEST(f.closed());
    }
  }
}

BOOST_AUTO_TEST_CASE(expect_continue_and_a_sink_that_stops) {
  auto f = framer();
  Recorder sink;
  BOOST_TEST(!f.feed("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", sink));
  BOOST_TEST(sink.continues == 1);
  BOOST_TEST(!f.feed("abc", sink));
  BOOST_TEST(sink.whole().size() == 1u);
  // The body already came with the head: nothing to wait for.
  BOOST_TEST(!f.feed("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc", sink));
  BOOST_TEST(sink.continues == 1);
  // A sink that stops (the parser refused what it was given) closes the framer.
  auto stopped = framer();
  Recorder refusing;
  refusing.stop_after_first = true;
  BOOST_TEST(!stopped.feed(kGet + kGet, refusing));
  BOOST_TEST(refusing.whole().size() == 1u);
  BOOST_TEST(stopped.closed());
}
