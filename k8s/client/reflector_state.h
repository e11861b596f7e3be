// The list/watch state machine of one resource, as client-go's Reflector runs it, with no I/O and
// no clock: the owner (the reflector driver in source.cc, or a test) feeds it what happened
// (a LIST page, a watch event, an HTTP error, a connection error, a timer, bytes on the wire) with
// the current time, and carries out the actions it returns, in order (send a LIST or WATCH with
// these query parameters, wait, stage a page of listed objects, replace the cache with the staged
// objects, apply one event).
//
// Protocol with the owner: at most one request is in flight. Any send or wait action ends the
// request in flight (the owner closes a watch stream it was reading). After a wait the owner calls
// on_timer() once the delay has passed. While a watch is open the owner arms a watchdog at
// stall_deadline() and calls on_watchdog() when it fires.
//
// Policy (shared/spec/kubernetes.md "List and watch"):
//  - LIST resourceVersion=0&limit=500, continue pages carry only limit+continue (client-go's
//  pager);
//  - WATCH from the list's resourceVersion, allowWatchBookmarks=true, timeoutSeconds in
//    [300, 600); a normal end re-watches from the last resourceVersion seen (bookmarks advance it);
//  - ERROR 410 / HTTP 410 on a WATCH: relist at the last resourceVersion (client-go: "data at least
//    as fresh as"), unpaged unless the server paged the first list; HTTP 410 on a first LIST page:
//    relist with no resourceVersion (a consistent read); HTTP 410 on a continue page: the whole
//    list again, unpaged, at its resourceVersion;
//  - 429 and 5xx: wait Retry-After seconds (1 s when absent), then repeat the request;
//  - connection errors and other HTTP errors: back off 800 ms doubling to 30 s with jitter, reset
//    after 2 minutes healthy; a watch resumes from the last resourceVersion, without relisting;
//  - no byte at all for stall_timeout (2x the 60 s bookmark interval) on a watch: re-watch.
//
// Concurrency: none; owned by the reflector's strand.
#pragma once

#include <boost/json/array.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "k8s/client/watch_decoder.h"

namespace svcbgp::k8s::client {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Sorted by key, as client-go encodes url.Values.
using query = std::map<std::string, std::string>;
std::string encode_query(const query& q);  // "a=1&b=x%2Cy" (percent-encoded), no leading '?'

struct reflector_options {
  std::string field_selector;  // e.g. "metadata.name=node-1"
  std::string label_selector;
  std::uint32_t page_size = 500;
  std::chrono::seconds min_watch_timeout{300};  // timeoutSeconds uniform in [min, 2 min)
  milliseconds stall_timeout{120'000};          // 2x the bookmark interval (60 s)
  milliseconds backoff_initial{800};
  milliseconds backoff_max{30'000};
  milliseconds backoff_reset_after{120'000};  // healthy this long => backoff starts over
  double backoff_jitter = 1.0;  // delay x (1 + jitter x u), u in [0, 1), capped at backoff_max
  std::uint64_t seed = 0;       // jitter and timeoutSeconds
};

enum class reflector_phase : std::uint8_t { idle, listing, watching, backing_off };
std::string_view to_string(reflector_phase p);  // "idle", "listing", "watching", "backing off"

struct list_page {
  boost::json::array items;
  std::string resource_version;  // metadata.resourceVersion
  std::string continue_token;    // metadata.continue, empty on the last page
};

struct action {
  enum class kind : std::uint8_t {
    send_list,   // params
    send_watch,  // params
    wait,        // delay, then call on_timer()
    stage_page,  // items (first_page: drop whatever was staged before)
    replace,     // replace the cache with everything staged since the first page
    apply,       // event (ADDED, MODIFIED, DELETED)
  };
  kind what = kind::send_list;
  query params;
  milliseconds delay{0};
  boost::json::array items;
  bool first_page = false;
  watch_event event;
};
std::string_view to_string(action::kind k);

struct reflector_status {
  reflector_phase phase = reflector_phase::idle;
  bool synced = false;  // listed once
  std::string resource_version;
  std::size_t objects = 0;  // filled in by the owner from its cache
  std::optional<std::string> last_error;
  std::uint64_t lists = 0;                    // complete LISTs (all pages)
  std::uint64_t relists = 0;                  // lists after the first
  std::uint64_t watches = 0;                  // WATCH requests sent
  std::uint64_t events[5] = {0, 0, 0, 0, 0};  // by event_type
  std::uint64_t malformed = 0;                // lines or objects skipped (counted by the owner)
  std::uint64_t event_count(event_type t) const { return events[static_cast<int>(t)]; }
};

class reflector_state {
 public:
  explicit reflector_state(reflector_options options = {});

  std::vector<action> start(clock::time_point now);
  std::vector<action> on_list_page(clock::time_point now, list_page page);
  // The WATCH answered 200: the stream is open.
  std::vector<action> on_watch_open(clock::time_point now);
  // Any bytes arrived on the watch stream (feeds the stall watchdog).
  void on_bytes(clock::time_point now);
  std::vector<action> on_watch_event(clock::time_point now, watch_event ev);
  // The watch stream ended cleanly (server-side timeout, or end of chunked body).
  std::vector<action> on_watch_end(clock::time_point now);
  // A non-2xx answer to the request in flight. retry_after: the raw header, if any.
  std::vector<action> on_http_error(clock::time_point now, unsigned status,
                                    std::optional<std::string_view> retry_after,
                                    std::string message);
  // Resolve, connect, TLS, read or write failed, or the stream broke mid-way.
  std::vector<action> on_connection_error(clock::time_point now, std::string message);
  std::vector<action> on_timer(clock::time_point now);
  std::vector<action> on_watchdog(clock::time_point now);

  // When the watchdog should fire, while a watch is in flight.
  std::optional<clock::time_point> stall_deadline() const;
  // When the wait in progress ends, while waiting.
  std::optional<clock::time_point> wake_at() const { return wake_at_; }

  const reflector_status& status() const { return status_; }
  void set_objects(std::size_t n) { status_.objects = n; }
  void count_malformed(std::uint64_t n = 1) { status_.malformed += n; }
  const reflector_options& options() const { return options_; }

 private:
  enum class in_flight : std::uint8_t { none, list, watch };

  std::vector<action> list_request(std::optional<std::string> rv, bool paged);
  std::vector<action> continue_request(const std::string& token);
  std::vector<action> watch_request(clock::time_point now);
  std::vector<action> wait_then_retry(clock::time_point now, milliseconds delay);
  std::vector<action> backoff(clock::time_point now);
  std::vector<action> relist_after_expiry();
  void mark_unhealthy() { healthy_since_.reset(); }
  void mark_healthy(clock::time_point now);

  reflector_options options_;
  std::mt19937_64 rng_;
  reflector_status status_;
  in_flight in_flight_ = in_flight::none;
  // The LIST in flight: its first page's resourceVersion (nullopt = none sent) and whether pages.
  std::optional<std::string> list_rv_;
  bool list_paged_ = true;
  bool list_first_page_ = true;    // the next page received is the first of a list
  bool paginated_result_ = false;  // a first page came with a continue token (no watch cache)
  query last_list_params_;         // repeated after a retryable error
  bool retry_is_list_ = false;     // what on_timer() sends
  std::optional<clock::time_point> wake_at_;
  clock::time_point last_bytes_{};
  std::optional<clock::time_point> healthy_since_;
  milliseconds next_backoff_;
};

}  // namespace svcbgp::k8s::client
