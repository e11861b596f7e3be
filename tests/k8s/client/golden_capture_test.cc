// The raw client-go captures (tests/fixtures/kubernetes/client-go): responses parsed with
// Beast's HTTP parser (chunked framing included) and decoded the way the reflector does it; and
// the requests client-go sends, compared with the query we encode.
#include <gtest/gtest.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "k8s/client/reflector_state.h"
#include "k8s/client/watch_decoder.h"

namespace svcbgp::k8s::client {
namespace {

namespace http = boost::beast::http;

std::string fixture(const std::string& rel) {
  const char* dir = std::getenv("SVCBGP_FIXTURES");
  std::string path =
      (dir == nullptr ? std::string("tests/fixtures/kubernetes") : std::string(dir)) + "/" + rel;
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f) << "cannot open " << path;
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Parses a whole response with a string body.
http::response<http::string_body> parse_response(const std::string& raw) {
  http::response_parser<http::string_body> p;
  p.eager(true);
  boost::beast::error_code ec;
  p.put(boost::asio::buffer(raw), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(p.is_done());
  return p.release();
}

// As the reflector reads a watch: a buffer_body parser fed `step` bytes at a time, each piece of
// body handed to the watch decoder as it comes.
std::vector<watch_decode_result> stream_events(const std::string& raw, std::size_t step) {
  http::response_parser<http::buffer_body> p;
  watch_decoder decoder;
  std::vector<watch_decode_result> out;
  std::string pending;
  std::size_t pos = 0;
  char body[64];
  while (!p.is_done()) {
    if (pos < raw.size()) {
      pending.append(raw, pos, step);
      pos += step;
    }
    for (;;) {
      p.get().body().data = body;
      p.get().body().size = sizeof body;
      boost::beast::error_code ec;
      auto used = p.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == http::error::need_buffer) {
        ec = {};
      }
      EXPECT_TRUE(!ec || ec == http::error::need_more) << ec.message();
      decoder.feed(std::string_view(body, sizeof body - p.get().body().size), out);
      if (used == 0 || p.is_done() || ec) {
        break;
      }
    }
    if (pos >= raw.size() && pending.empty() && !p.is_done()) {
      ADD_FAILURE() << "response incomplete";
      break;
    }
  }
  if (auto last = decoder.finish()) {
    out.push_back(std::move(*last));
  }
  return out;
}

void expect_capture_events(const std::vector<watch_decode_result>& evs, bool null_timestamp) {
  ASSERT_EQ(evs.size(), 2u);
  ASSERT_TRUE(evs[0]);
  EXPECT_EQ(evs[0]->type, event_type::added);
  const auto& meta = evs[0]->object.at("metadata");
  EXPECT_EQ(meta.at("name").as_string(), "foobar");
  EXPECT_EQ(meta.at("namespace").as_string(), "default");
  EXPECT_EQ(meta.at("resourceVersion").as_string(), "217");
  EXPECT_EQ(evs[0]->object.at("kind").as_string(), "ServiceAccount");
  ASSERT_TRUE(evs[1]);
  EXPECT_EQ(evs[1]->type, event_type::bookmark);
  const auto& bm = evs[1]->object.at("metadata").as_object();
  EXPECT_EQ(bm.at("resourceVersion").as_string(), "964");
  EXPECT_EQ(bm.at("annotations").at("k8s.io/initial-events-end").as_string(), "true");
  EXPECT_EQ(bm.contains("creationTimestamp"), null_timestamp);
  if (null_timestamp) {
    EXPECT_TRUE(bm.at("creationTimestamp").is_null());
  }
}

TEST(GoldenCapture, WatchEventsChunked) {
  auto raw = fixture("client-go/dynamic/testdata/TestGoldenResponse/responses/events");
  auto res = parse_response(raw);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_TRUE(res.chunked());
  EXPECT_EQ(res[http::field::content_type], "application/json");
  watch_decoder d;
  auto evs = d.feed(res.body());
  expect_capture_events(evs, false);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(GoldenCapture, WatchEventsStreamedInSmallPieces) {
  auto raw = fixture("client-go/dynamic/testdata/TestGoldenResponse/responses/events");
  for (std::size_t step : {1, 3, 7, 64, 1000}) {
    SCOPED_TRACE(step);
    expect_capture_events(stream_events(raw, step), false);
  }
}

TEST(GoldenCapture, OlderBookmarkWithNullCreationTimestamp) {
  auto raw = fixture("client-go-08c6c314/dynamic/testdata/TestGoldenResponse/responses/events");
  expect_capture_events(stream_events(raw, 5), true);

  // The reflector takes the bookmark's resourceVersion either way.
  reflector_state s;
  auto now = clock::now();
  s.start(now);
  list_page p;
  p.resource_version = "200";
  s.on_list_page(now, std::move(p));
  for (auto& e : stream_events(raw, 5)) {
    s.on_watch_event(now, std::move(*e));
  }
  EXPECT_EQ(s.status().resource_version, "964");
}

TEST(GoldenCapture, ListItemsCarryNoKind) {
  auto res =
      parse_response(fixture("client-go/dynamic/testdata/TestGoldenResponse/responses/list"));
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_FALSE(res.chunked());
  auto v = boost::json::parse(res.body());
  EXPECT_EQ(v.at("kind").as_string(), "ServiceAccountList");
  EXPECT_EQ(v.at("metadata").at("resourceVersion").as_string(), "222");
  const auto& items = v.at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_FALSE(items[0].as_object().contains("kind"));
  EXPECT_FALSE(items[0].as_object().contains("apiVersion"));
  EXPECT_EQ(items[0].at("metadata").at("name").as_string(), "foobar");
  EXPECT_EQ(items[0].at("metadata").at("resourceVersion").as_string(), "207");
}

TEST(GoldenCapture, NonListObject) {
  auto res =
      parse_response(fixture("client-go/dynamic/testdata/TestGoldenResponse/responses/nonlist"));
  auto v = boost::json::parse(res.body());
  EXPECT_EQ(v.at("kind").as_string(), "ServiceAccount");
  EXPECT_EQ(v.at("metadata").at("uid").as_string(), "a6bb38b5-67ca-4d0d-bd87-da746a94c8a5");
}

http::request<http::empty_body> parse_request(const std::string& raw) {
  http::request_parser<http::empty_body> p;
  boost::beast::error_code ec;
  p.put(boost::asio::buffer(raw), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(p.is_done());
  return p.release();
}

TEST(GoldenCapture, RequestsEncodeQueriesLikeClientGo) {
  auto list = parse_request(fixture("client-go/dynamic/testdata/TestGoldenRequest/list"));
  EXPECT_EQ(list.method(), http::verb::get);
  EXPECT_EQ(list[http::field::accept], "application/json");
  EXPECT_EQ(list.target(), "/apis/flops/v1alpha1/namespaces/mops/flips?" +
                               encode_query({{"resourceVersion", "42"}}));
  auto watch = parse_request(fixture("client-go/dynamic/testdata/TestGoldenRequest/watch"));
  // url.Values.Encode sorts keys; so does ours.
  EXPECT_EQ(watch.target(), "/apis/flops/v1alpha1/namespaces/mops/flips?" +
                                encode_query({{"watch", "true"}, {"resourceVersion", "42"}}));
}

}  // namespace
}  // namespace svcbgp::k8s::client
