// watch_decoder: events split across pieces, many per piece, malformed and over-long lines, both
// bookmark shapes.
#include "k8s/client/watch_decoder.h"

#include <gtest/gtest.h>

#include <string>

namespace svcbgp::k8s::client {
namespace {

const std::string added =
    R"({"type":"ADDED","object":{"kind":"Service","apiVersion":"v1","metadata":{"name":"a",)"
    R"("namespace":"default","resourceVersion":"11"}}})"
    "\n";
const std::string modified =
    R"({"type":"MODIFIED","object":{"kind":"Service","metadata":{"name":"a","resourceVersion":"12"}}})"
    "\n";
const std::string deleted =
    R"({"type":"DELETED","object":{"kind":"Service","metadata":{"name":"a","resourceVersion":"13"}}})"
    "\n";

std::string rv_of(const watch_event& e) {
  return std::string(e.object.at("metadata").at("resourceVersion").as_string());
}

TEST(WatchDecoder, OneEventPerPiece) {
  watch_decoder d;
  auto out = d.feed(added);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0]);
  EXPECT_EQ(out[0]->type, event_type::added);
  EXPECT_EQ(out[0]->object.at("metadata").at("name").as_string(), "a");
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(WatchDecoder, ManyEventsInOnePiece) {
  watch_decoder d;
  auto out = d.feed(added + modified + deleted);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]->type, event_type::added);
  EXPECT_EQ(out[1]->type, event_type::modified);
  EXPECT_EQ(out[2]->type, event_type::deleted);
  EXPECT_EQ(rv_of(*out[2]), "13");
  EXPECT_EQ(d.events(), 3u);
}

TEST(WatchDecoder, EventSplitAtEveryByte) {
  std::string all = added + modified + deleted;
  for (std::size_t cut = 1; cut < all.size(); ++cut) {
    watch_decoder d;
    auto a = d.feed(std::string_view(all).substr(0, cut));
    auto b = d.feed(std::string_view(all).substr(cut));
    a.insert(a.end(), b.begin(), b.end());
    ASSERT_EQ(a.size(), 3u) << "cut at " << cut;
    EXPECT_EQ(rv_of(*a[0]), "11");
    EXPECT_EQ(rv_of(*a[1]), "12");
    EXPECT_EQ(rv_of(*a[2]), "13");
  }
}

TEST(WatchDecoder, ByteByByte) {
  watch_decoder d;
  std::vector<watch_decode_result> out;
  for (char c : added + modified) {
    d.feed(std::string_view(&c, 1), out);
  }
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1]->type, event_type::modified);
}

TEST(WatchDecoder, MalformedLineIsCountedAndSkipped) {
  watch_decoder d;
  // The fake API server's malformed line: a truncated object.
  std::string bad =
      R"({"type":"MODIFIED","object":{"kind":"Service","apiVersion":"v1","metadata":{"name":)"
      "\n";
  auto out = d.feed(added + bad + modified);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0]);
  ASSERT_FALSE(out[1]);
  EXPECT_EQ(out[1].error().what, watch_decode_error::kind::malformed);
  EXPECT_NE(out[1].error().message.find("line 2"), std::string::npos) << out[1].error().message;
  ASSERT_TRUE(out[2]);
  EXPECT_EQ(rv_of(*out[2]), "12");
  EXPECT_EQ(d.malformed(), 1u);
  EXPECT_EQ(d.events(), 2u);
}

TEST(WatchDecoder, WrongShapesAreMalformed) {
  watch_decoder d;
  auto out = d.feed(
      "[1,2]\n"
      R"({"type":"EXPLODED","object":{}})"
      "\n"
      R"({"object":{}})"
      "\n"
      R"({"type":"ADDED","object":"x"})"
      "\n"
      "\n\r\n");
  ASSERT_EQ(out.size(), 4u);
  for (const auto& r : out) {
    EXPECT_FALSE(r);
  }
  EXPECT_NE(out[1].error().message.find("EXPLODED"), std::string::npos);
  EXPECT_EQ(d.malformed(), 4u);
}

TEST(WatchDecoder, GiganticLineIsSkippedToTheNextNewline) {
  watch_decoder d(1024);
  std::string huge = R"({"type":"ADDED","object":{"x":")" + std::string(5000, 'a') + "\"}}\n";
  std::vector<watch_decode_result> out;
  d.feed(added, out);
  // Fed in pieces: the limit trips before the newline shows up.
  for (std::size_t i = 0; i < huge.size(); i += 700) {
    d.feed(std::string_view(huge).substr(i, 700), out);
    EXPECT_LE(d.buffered(), 1024u);
  }
  d.feed(modified, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0]);
  ASSERT_FALSE(out[1]);
  EXPECT_EQ(out[1].error().what, watch_decode_error::kind::too_large);
  ASSERT_TRUE(out[2]);
  EXPECT_EQ(rv_of(*out[2]), "12");
  EXPECT_EQ(d.too_large(), 1u);
}

TEST(WatchDecoder, GiganticLineInOnePiece) {
  watch_decoder d(1024);
  std::string huge = R"({"type":"ADDED","object":{"x":")" + std::string(5000, 'a') + "\"}}\n";
  auto out = d.feed(huge + modified);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0]);
  EXPECT_TRUE(out[1]);
}

TEST(WatchDecoder, BookmarkShapes) {
  watch_decoder d;
  auto out = d.feed(
      R"({"type":"BOOKMARK","object":{"kind":"Service","apiVersion":"v1","metadata":{"resourceVersion":"964"}}})"
      "\n"
      R"({"type":"BOOKMARK","object":{"kind":"Service","apiVersion":"v1","metadata":{"resourceVersion":"965","creationTimestamp":null,"annotations":{"k8s.io/initial-events-end":"true"}}}})"
      "\n");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]->type, event_type::bookmark);
  EXPECT_EQ(rv_of(*out[0]), "964");
  EXPECT_EQ(out[1]->type, event_type::bookmark);
  EXPECT_EQ(rv_of(*out[1]), "965");
}

TEST(WatchDecoder, ErrorEventCarriesTheStatus) {
  watch_decoder d;
  auto out =
      d.feed(R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},)j"
             R"j("status":"Failure","message":"too old resource version: 10000 (343914)",)j"
             R"j("reason":"Expired","code":410}})j"
             "\n");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->type, event_type::error);
  EXPECT_EQ(out[0]->object.at("code").as_int64(), 410);
}

TEST(WatchDecoder, FinishDecodesALastLineWithoutNewline) {
  watch_decoder d;
  std::string a = added.substr(0, added.size() - 1);
  EXPECT_TRUE(d.feed(a).empty());
  auto last = d.finish();
  ASSERT_TRUE(last);
  ASSERT_TRUE(*last);
  EXPECT_EQ((*last)->type, event_type::added);
  EXPECT_FALSE(d.finish());
}

}  // namespace
}  // namespace svcbgp::k8s::client
