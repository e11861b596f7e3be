// reflector_state: every transition of the list/watch machine, driven by a manual clock, with the
// exact query parameters and delays it asks for.
#include "k8s/client/reflector_state.h"

#include <gtest/gtest.h>

#include <set>

#include <boost/json/parse.hpp>

namespace svcbgp::k8s::client {
namespace {

using namespace std::chrono_literals;
using kind = action::kind;

class ReflectorStateTest : public ::testing::Test {
 protected:
  reflector_options opts() {
    reflector_options o;
    o.backoff_jitter = 0;  // exact delays; jitter has its own test
    o.seed = 42;
    return o;
  }

  static list_page page(std::string rv, std::string cont = {}, int items = 1) {
    list_page p;
    p.resource_version = std::move(rv);
    p.continue_token = std::move(cont);
    for (int i = 0; i < items; ++i) {
      p.items.push_back(
          boost::json::parse(R"({"metadata":{"name":"s)" + std::to_string(i) + R"("}})"));
    }
    return p;
  }

  static watch_event event(event_type t, std::string rv) {
    return watch_event{
        t, boost::json::parse(R"({"metadata":{"name":"a","resourceVersion":")" + rv + R"("}})")};
  }

  static watch_event status_event(int code) {
    return watch_event{event_type::error,
                       boost::json::parse(R"({"kind":"Status","status":"Failure","code":)" +
                                          std::to_string(code) + R"(,"reason":"Expired"})")};
  }

  // Start, list one page at RV 100, return the state watching.
  reflector_state watching(reflector_options o) {
    reflector_state s(std::move(o));
    s.start(now);
    auto acts = s.on_list_page(now, page("100"));
    EXPECT_EQ(acts.back().what, kind::send_watch);
    s.on_watch_open(now);
    return s;
  }

  static void expect_watch_from(const action& a, const std::string& rv) {
    ASSERT_EQ(a.what, kind::send_watch);
    EXPECT_EQ(a.params.at("resourceVersion"), rv);
    EXPECT_EQ(a.params.at("allowWatchBookmarks"), "true");
    EXPECT_EQ(a.params.at("watch"), "true");
  }

  clock::time_point now{std::chrono::hours(1000)};
};

TEST_F(ReflectorStateTest, StartListsFromTheWatchCacheInPagesOf500) {
  reflector_state s(opts());
  auto acts = s.start(now);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].what, kind::send_list);
  EXPECT_EQ(acts[0].params, (query{{"limit", "500"}, {"resourceVersion", "0"}}));
  EXPECT_EQ(encode_query(acts[0].params), "limit=500&resourceVersion=0");
  EXPECT_EQ(s.status().phase, reflector_phase::listing);
  EXPECT_FALSE(s.status().synced);
}

TEST_F(ReflectorStateTest, NodeSelectorGoesOnListAndWatch) {
  auto o = opts();
  o.field_selector = "metadata.name=node-1";
  reflector_state s(o);
  auto acts = s.start(now);
  EXPECT_EQ(encode_query(acts[0].params),
            "fieldSelector=metadata.name%3Dnode-1&limit=500&resourceVersion=0");
  acts = s.on_list_page(now, page("7"));
  EXPECT_EQ(acts.back().params.at("fieldSelector"), "metadata.name=node-1");
}

TEST_F(ReflectorStateTest, PagesThenReplaceThenWatchFromTheListsVersion) {
  reflector_state s(opts());
  s.start(now);
  auto acts = s.on_list_page(now, page("100", "tok1", 2));
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_EQ(acts[0].what, kind::stage_page);
  EXPECT_TRUE(acts[0].first_page);
  EXPECT_EQ(acts[0].items.size(), 2u);
  EXPECT_EQ(acts[1].what, kind::send_list);
  // client-go's pager: continue pages carry no resourceVersion.
  EXPECT_EQ(acts[1].params, (query{{"continue", "tok1"}, {"limit", "500"}}));
  EXPECT_FALSE(s.status().synced);

  acts = s.on_list_page(now, page("100", "", 3));
  ASSERT_EQ(acts.size(), 3u);
  EXPECT_EQ(acts[0].what, kind::stage_page);
  EXPECT_FALSE(acts[0].first_page);
  EXPECT_EQ(acts[1].what, kind::replace);
  expect_watch_from(acts[2], "100");
  auto timeout = std::stoi(acts[2].params.at("timeoutSeconds"));
  EXPECT_GE(timeout, 300);
  EXPECT_LT(timeout, 600);
  EXPECT_EQ(acts[2].params.size(),
            4u);  // allowWatchBookmarks, resourceVersion, timeoutSeconds, watch
  EXPECT_TRUE(s.status().synced);
  EXPECT_EQ(s.status().resource_version, "100");
  EXPECT_EQ(s.status().phase, reflector_phase::watching);
  EXPECT_EQ(s.status().lists, 1u);
  EXPECT_EQ(s.status().relists, 0u);
}

TEST_F(ReflectorStateTest, WatchTimeoutIsRandomInRangeAndSeeded) {
  std::set<int> seen;
  for (std::uint64_t seed = 1; seed < 200; ++seed) {
    auto o = opts();
    o.seed = seed;
    reflector_state s(o);
    s.start(now);
    auto acts = s.on_list_page(now, page("1"));
    int t = std::stoi(acts.back().params.at("timeoutSeconds"));
    EXPECT_GE(t, 300);
    EXPECT_LT(t, 600);
    seen.insert(t);
  }
  EXPECT_GT(seen.size(), 50u);
  reflector_state a(opts()), b(opts());
  a.start(now);
  b.start(now);
  EXPECT_EQ(a.on_list_page(now, page("1")).back().params,
            b.on_list_page(now, page("1")).back().params);
}

TEST_F(ReflectorStateTest, EventsAreAppliedAndAdvanceTheVersion) {
  auto s = watching(opts());
  auto acts = s.on_watch_event(now, event(event_type::added, "101"));
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].what, kind::apply);
  EXPECT_EQ(acts[0].event.type, event_type::added);
  EXPECT_EQ(s.on_watch_event(now, event(event_type::modified, "102")).size(), 1u);
  EXPECT_EQ(s.on_watch_event(now, event(event_type::deleted, "103")).size(), 1u);
  EXPECT_EQ(s.status().resource_version, "103");
  EXPECT_EQ(s.status().event_count(event_type::added), 1u);
  EXPECT_EQ(s.status().event_count(event_type::modified), 1u);
  EXPECT_EQ(s.status().event_count(event_type::deleted), 1u);
}

TEST_F(ReflectorStateTest, BookmarkAdvancesTheVersionAndTheNextWatchStartsThere) {
  auto s = watching(opts());
  EXPECT_TRUE(s.on_watch_event(now, event(event_type::bookmark, "250")).empty());
  EXPECT_EQ(s.status().resource_version, "250");
  EXPECT_EQ(s.status().event_count(event_type::bookmark), 1u);
  // Server-side timeout: the stream ends cleanly; re-watch at once, no relist.
  auto acts = s.on_watch_end(now);
  ASSERT_EQ(acts.size(), 1u);
  expect_watch_from(acts[0], "250");
  EXPECT_EQ(s.status().lists, 1u);
  EXPECT_EQ(s.status().watches, 2u);
}

TEST_F(ReflectorStateTest, WatchErrorExpiredRelistsAtTheLastVersion) {
  auto s = watching(opts());
  s.on_watch_event(now, event(event_type::modified, "140"));
  auto acts = s.on_watch_event(now, status_event(410));
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].what, kind::send_list);
  // Unpaged, so that the watch cache serves it (client-go).
  EXPECT_EQ(acts[0].params, (query{{"resourceVersion", "140"}}));
  EXPECT_EQ(s.status().phase, reflector_phase::listing);
  EXPECT_NE(s.status().last_error->find("410"), std::string::npos);
  // The stream's end after the ERROR is not a second trigger.
  EXPECT_TRUE(s.on_watch_end(now).empty());
  acts = s.on_list_page(now, page("300"));
  EXPECT_EQ(acts[0].what, kind::stage_page);
  EXPECT_TRUE(acts[0].first_page);
  EXPECT_EQ(acts[1].what, kind::replace);
  expect_watch_from(acts[2], "300");
  EXPECT_EQ(s.status().relists, 1u);
  EXPECT_FALSE(s.status().last_error);
}

TEST_F(ReflectorStateTest, Http410OnWatchRelists) {
  auto s = watching(opts());
  auto acts = s.on_http_error(now, 410, std::nullopt, "Expired");
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].params, (query{{"resourceVersion", "100"}}));
}

TEST_F(ReflectorStateTest, RelistStaysPagedWhenTheServerPagedTheFirstList) {
  reflector_state s(opts());
  s.start(now);
  s.on_list_page(now, page("100", "tok"));
  s.on_list_page(now, page("100"));
  auto acts = s.on_watch_event(now, status_event(410));
  EXPECT_EQ(acts[0].params, (query{{"limit", "500"}, {"resourceVersion", "100"}}));
}

TEST_F(ReflectorStateTest, Http410OnFirstListPageReadsConsistently) {
  reflector_state s(opts());
  s.start(now);
  auto acts = s.on_http_error(now, 410, std::nullopt, "too old");
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].what, kind::send_list);
  EXPECT_EQ(acts[0].params, (query{{"limit", "500"}}));
}

TEST_F(ReflectorStateTest, Http410OnContinueTokenListsEverythingAgain) {
  reflector_state s(opts());
  s.start(now);
  s.on_list_page(now, page("100", "tok1"));
  auto acts = s.on_http_error(now, 410, std::nullopt, "continue expired");
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].what, kind::send_list);
  // client-go's pager falls back to one unpaged list at the same resourceVersion.
  EXPECT_EQ(acts[0].params, (query{{"resourceVersion", "0"}}));
  acts = s.on_list_page(now, page("120", "", 4));
  ASSERT_EQ(acts.size(), 3u);
  EXPECT_TRUE(acts[0].first_page);  // the staged first page is dropped
  EXPECT_EQ(acts[1].what, kind::replace);
  expect_watch_from(acts[2], "120");
}

TEST_F(ReflectorStateTest, RetryAfterIsHonouredExactly) {
  reflector_state s(opts());
  s.start(now);
  auto acts = s.on_http_error(now, 429, "7", "Too many requests");
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].what, kind::wait);
  EXPECT_EQ(acts[0].delay, 7000ms);
  EXPECT_EQ(s.status().phase, reflector_phase::backing_off);
  EXPECT_EQ(s.wake_at(), now + 7s);
  // Early: keep waiting the rest.
  acts = s.on_timer(now + 6999ms);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].what, kind::wait);
  EXPECT_EQ(acts[0].delay, 1ms);
  acts = s.on_timer(now + 7s);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].what, kind::send_list);
  EXPECT_EQ(acts[0].params, (query{{"limit", "500"}, {"resourceVersion", "0"}}));
  EXPECT_EQ(s.status().phase, reflector_phase::listing);
}

TEST_F(ReflectorStateTest, RetryAfterOnWatchRewatches) {
  auto s = watching(opts());
  s.on_watch_event(now, event(event_type::bookmark, "180"));
  auto acts = s.on_http_error(now, 503, " 3 ", "unavailable");
  EXPECT_EQ(acts[0].delay, 3000ms);
  acts = s.on_timer(now + 3s);
  expect_watch_from(acts[0], "180");
  EXPECT_EQ(s.status().lists, 1u);
}

TEST_F(ReflectorStateTest, MissingDateOrZeroRetryAfterBacksOffExponentially) {
  // Issue 13: a 5xx without Retry-After retried every second in lockstep across the nodes, and
  // Retry-After: 0 was a tight loop. Now client-go's backoff (jitter off here, see below).
  reflector_state s(opts());
  s.start(now);
  std::vector<milliseconds> delays;
  const std::optional<std::string_view> answers[] = {std::nullopt, "Wed, 21 Oct 2015 07:28:00 GMT",
                                                     "0", "0", std::nullopt};
  for (const auto& retry_after : answers) {
    auto acts = s.on_http_error(now, 503, retry_after, "unavailable");
    ASSERT_EQ(acts[0].what, kind::wait);
    delays.push_back(acts[0].delay);
    now += acts[0].delay;
    ASSERT_EQ(s.on_timer(now)[0].what, kind::send_list);
  }
  EXPECT_EQ(delays, (std::vector<milliseconds>{800ms, 1600ms, 3200ms, 6400ms, 12800ms}));
}

TEST_F(ReflectorStateTest, ServerErrorsOfManyNodesSpreadOut) {
  // The same 500 at the same moment on 20 nodes (seeds): their retries do not coincide.
  std::set<std::int64_t> first;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto o = opts();
    o.backoff_jitter = 1.0;
    o.seed = seed;
    reflector_state s(o);
    s.start(now);
    auto d = s.on_http_error(now, 500, std::nullopt, "")[0].delay;
    EXPECT_GE(d, 800ms);
    EXPECT_LT(d, 1600ms);
    first.insert(d.count());
  }
  EXPECT_GE(first.size(), 15u);
}

TEST_F(ReflectorStateTest, ConnectionErrorsBackOffDoublingToThirtySeconds) {
  reflector_state s(opts());
  s.start(now);
  std::vector<milliseconds> delays;
  for (int i = 0; i < 8; ++i) {
    auto acts = s.on_connection_error(now, "connect: Connection refused");
    ASSERT_EQ(acts.size(), 1u);
    ASSERT_EQ(acts[0].what, kind::wait);
    delays.push_back(acts[0].delay);
    now += acts[0].delay;
    acts = s.on_timer(now);
    ASSERT_EQ(acts[0].what, kind::send_list);  // the same LIST again
    EXPECT_EQ(acts[0].params, (query{{"limit", "500"}, {"resourceVersion", "0"}}));
  }
  EXPECT_EQ(delays, (std::vector<milliseconds>{800ms, 1600ms, 3200ms, 6400ms, 12800ms, 25600ms,
                                               30000ms, 30000ms}));
  EXPECT_EQ(*s.status().last_error, "LIST: connect: Connection refused");
}

TEST_F(ReflectorStateTest, ConnectionErrorOnWatchRewatchesWithoutRelisting) {
  auto s = watching(opts());
  s.on_watch_event(now, event(event_type::added, "130"));
  auto acts = s.on_connection_error(now, "read: Connection reset by peer");
  EXPECT_EQ(acts[0].delay, 800ms);
  acts = s.on_timer(now + 800ms);
  expect_watch_from(acts[0], "130");
  EXPECT_EQ(s.status().lists, 1u);
  EXPECT_EQ(s.status().relists, 0u);
}

TEST_F(ReflectorStateTest, BackoffResetsAfterTwoMinutesHealthy) {
  auto s = watching(opts());
  EXPECT_EQ(s.on_connection_error(now, "x")[0].delay, 800ms);
  now += 800ms;
  s.on_timer(now);
  s.on_watch_open(now);
  EXPECT_EQ(s.on_connection_error(now + 119s, "x")[0].delay, 1600ms);  // not healthy long enough
  now += 119s + 1600ms;
  s.on_timer(now);
  s.on_watch_open(now);
  now += 120s;
  s.on_watch_end(now);  // a normal end keeps it healthy
  s.on_watch_open(now);
  EXPECT_EQ(s.on_connection_error(now, "x")[0].delay, 800ms);
}

TEST_F(ReflectorStateTest, JitterStaysWithinBounds) {
  auto o = opts();
  o.backoff_jitter = 1.0;
  for (std::uint64_t seed = 1; seed < 50; ++seed) {
    o.seed = seed;
    reflector_state s(o);
    s.start(now);
    auto d = s.on_connection_error(now, "x")[0].delay;
    EXPECT_GE(d, 800ms);
    EXPECT_LT(d, 1600ms);
  }
}

TEST_F(ReflectorStateTest, StalledWatchReconnectsFromTheLastVersion) {
  auto s = watching(opts());
  ASSERT_TRUE(s.stall_deadline());
  EXPECT_EQ(*s.stall_deadline(), now + 120s);
  EXPECT_TRUE(s.on_watchdog(now + 119s).empty());
  s.on_bytes(now + 60s);
  EXPECT_EQ(*s.stall_deadline(), now + 180s);
  s.on_watch_event(now + 61s, event(event_type::bookmark, "160"));
  EXPECT_TRUE(s.on_watchdog(now + 180s).empty());
  auto acts = s.on_watchdog(now + 181s);
  ASSERT_EQ(acts.size(), 1u);
  expect_watch_from(acts[0], "160");
  EXPECT_NE(s.status().last_error->find("stalled"), std::string::npos);
  EXPECT_EQ(s.status().lists, 1u);
}

TEST_F(ReflectorStateTest, StallTimeoutIsConfigurable) {
  auto o = opts();
  o.stall_timeout = 2s;
  auto s = watching(o);
  EXPECT_EQ(*s.stall_deadline(), now + 2s);
  EXPECT_EQ(s.on_watchdog(now + 2s).size(), 1u);
}

TEST_F(ReflectorStateTest, NoWatchdogWhileListingOrWaiting) {
  reflector_state s(opts());
  s.start(now);
  EXPECT_FALSE(s.stall_deadline());
  s.on_connection_error(now, "x");
  EXPECT_FALSE(s.stall_deadline());
  EXPECT_TRUE(s.on_watchdog(now + 1h).empty());
}

TEST_F(ReflectorStateTest, OtherWatchErrorsBackOffAndRewatch) {
  auto s = watching(opts());
  auto acts = s.on_watch_event(now, status_event(500));
  EXPECT_EQ(acts[0].what, kind::wait);
  EXPECT_EQ(acts[0].delay, 800ms);  // the backoff's first step
  acts = s.on_timer(now + 800ms);
  expect_watch_from(acts[0], "100");
}

TEST_F(ReflectorStateTest, ForbiddenBacksOff) {
  reflector_state s(opts());
  s.start(now);
  auto acts = s.on_http_error(now, 403, std::nullopt, "services is forbidden");
  EXPECT_EQ(acts[0].delay, 800ms);
  EXPECT_EQ(*s.status().last_error, "LIST: HTTP 403: services is forbidden");
}

TEST_F(ReflectorStateTest, LateInputsAreIgnored) {
  reflector_state s(opts());
  s.start(now);
  EXPECT_TRUE(s.on_watch_end(now).empty());
  EXPECT_TRUE(s.on_watch_event(now, event(event_type::added, "5")).empty());
  EXPECT_TRUE(s.on_timer(now).empty());
}

TEST(EncodeQuery, PercentEncodes) {
  EXPECT_EQ(encode_query({{"labelSelector", "a in (x,y),!b"}, {"limit", "1"}}),
            "labelSelector=a%20in%20%28x%2Cy%29%2C%21b&limit=1");
}

}  // namespace
}  // namespace svcbgp::k8s::client
