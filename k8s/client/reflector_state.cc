#include "k8s/client/reflector_state.h"

#include <algorithm>
#include <charconv>

#include <boost/json/object.hpp>

namespace svcbgp::k8s::client {

std::string encode_query(const query& q) {
  auto escape = [](std::string_view s, std::string& out) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (unsigned char c : s) {
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.' || c == '~') {
        out.push_back(static_cast<char>(c));
      } else {
        out.push_back('%');
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xf]);
      }
    }
  };
  std::string out;
  for (const auto& [k, v] : q) {
    if (!out.empty()) {
      out.push_back('&');
    }
    escape(k, out);
    out.push_back('=');
    escape(v, out);
  }
  return out;
}

std::string_view to_string(reflector_phase p) {
  switch (p) {
    case reflector_phase::idle:
      return "idle";
    case reflector_phase::listing:
      return "listing";
    case reflector_phase::watching:
      return "watching";
    case reflector_phase::backing_off:
      return "backing off";
  }
  return "?";
}

std::string_view to_string(action::kind k) {
  switch (k) {
    case action::kind::send_list:
      return "send_list";
    case action::kind::send_watch:
      return "send_watch";
    case action::kind::wait:
      return "wait";
    case action::kind::stage_page:
      return "stage_page";
    case action::kind::replace:
      return "replace";
    case action::kind::apply:
      return "apply";
  }
  return "?";
}

namespace {

std::optional<std::string> resource_version_of(const boost::json::value& object) {
  const auto* obj = object.if_object();
  if (obj == nullptr) {
    return std::nullopt;
  }
  const auto* meta = obj->if_contains("metadata");
  if (meta == nullptr || !meta->is_object()) {
    return std::nullopt;
  }
  const auto* rv = meta->get_object().if_contains("resourceVersion");
  if (rv == nullptr || !rv->is_string() || rv->get_string().empty()) {
    return std::nullopt;
  }
  return std::string(rv->get_string());
}

// A Status object's code and message (the object of a watch ERROR event).
std::pair<unsigned, std::string> status_of(const boost::json::value& object) {
  unsigned code = 0;
  std::string message;
  if (const auto* obj = object.if_object()) {
    if (const auto* c = obj->if_contains("code"); c != nullptr && c->is_int64()) {
      code = static_cast<unsigned>(c->get_int64());
    }
    if (const auto* m = obj->if_contains("message"); m != nullptr && m->is_string()) {
      message = std::string(m->get_string());
    }
  }
  return {code, message};
}

std::optional<milliseconds> parse_retry_after(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  std::uint32_t seconds = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
    return std::nullopt;  // an HTTP-date, or garbage: use the default
  }
  return milliseconds(std::min<std::uint32_t>(seconds, 3600) * 1000LL);
}

bool retryable_status(unsigned status) {
  return status == 429 || (status >= 500 && status < 600);
}

}  // namespace

reflector_state::reflector_state(reflector_options options)
    : options_(std::move(options)), rng_(options_.seed), next_backoff_(options_.backoff_initial) {}

void reflector_state::mark_healthy(clock::time_point now) {
  if (!healthy_since_) {
    healthy_since_ = now;
  }
}

std::vector<action> reflector_state::start(clock::time_point now) {
  (void)now;
  list_first_page_ = true;
  return list_request(std::string("0"), true);
}

std::vector<action> reflector_state::list_request(std::optional<std::string> rv, bool paged) {
  list_rv_ = std::move(rv);
  list_paged_ = paged;
  list_first_page_ = true;
  query q;
  if (!options_.field_selector.empty()) {
    q["fieldSelector"] = options_.field_selector;
  }
  if (!options_.label_selector.empty()) {
    q["labelSelector"] = options_.label_selector;
  }
  if (paged && options_.page_size > 0) {
    q["limit"] = std::to_string(options_.page_size);
  }
  if (list_rv_) {
    q["resourceVersion"] = *list_rv_;
  }
  in_flight_ = in_flight::list;
  wake_at_.reset();
  retry_is_list_ = true;
  last_list_params_ = q;
  status_.phase = reflector_phase::listing;
  action a;
  a.what = action::kind::send_list;
  a.params = std::move(q);
  std::vector<action> out;
  out.push_back(std::move(a));
  return out;
}

std::vector<action> reflector_state::continue_request(const std::string& token) {
  query q;
  if (!options_.field_selector.empty()) {
    q["fieldSelector"] = options_.field_selector;
  }
  if (!options_.label_selector.empty()) {
    q["labelSelector"] = options_.label_selector;
  }
  if (options_.page_size > 0) {
    q["limit"] = std::to_string(options_.page_size);
  }
  q["continue"] = token;
  in_flight_ = in_flight::list;
  retry_is_list_ = true;
  last_list_params_ = q;
  action a;
  a.what = action::kind::send_list;
  a.params = std::move(q);
  std::vector<action> out;
  out.push_back(std::move(a));
  return out;
}

std::vector<action> reflector_state::watch_request(clock::time_point now) {
  query q;
  q["allowWatchBookmarks"] = "true";
  if (!options_.field_selector.empty()) {
    q["fieldSelector"] = options_.field_selector;
  }
  if (!options_.label_selector.empty()) {
    q["labelSelector"] = options_.label_selector;
  }
  q["resourceVersion"] = status_.resource_version;
  auto min = options_.min_watch_timeout.count();
  std::uniform_int_distribution<std::int64_t> dist(min, std::max<std::int64_t>(min, 2 * min - 1));
  q["timeoutSeconds"] = std::to_string(dist(rng_));
  q["watch"] = "true";
  in_flight_ = in_flight::watch;
  wake_at_.reset();
  retry_is_list_ = false;
  last_bytes_ = now;  // the watchdog also covers a server that never answers
  status_.phase = reflector_phase::watching;
  ++status_.watches;
  action a;
  a.what = action::kind::send_watch;
  a.params = std::move(q);
  std::vector<action> out;
  out.push_back(std::move(a));
  return out;
}

std::vector<action> reflector_state::on_list_page(clock::time_point now, list_page page) {
  if (in_flight_ != in_flight::list) {
    return {};
  }
  mark_healthy(now);
  std::vector<action> out;
  action stage;
  stage.what = action::kind::stage_page;
  stage.items = std::move(page.items);
  stage.first_page = list_first_page_;
  list_first_page_ = false;
  bool first = stage.first_page;
  out.push_back(std::move(stage));
  if (!page.continue_token.empty() && first) {
    paginated_result_ = true;
  }
  if (!page.continue_token.empty() && list_paged_) {
    auto next = continue_request(page.continue_token);
    out.insert(out.end(), std::make_move_iterator(next.begin()),
               std::make_move_iterator(next.end()));
    return out;
  }
  action replace;
  replace.what = action::kind::replace;
  out.push_back(std::move(replace));
  if (status_.synced) {
    ++status_.relists;
  }
  ++status_.lists;
  status_.synced = true;
  status_.resource_version = page.resource_version;
  status_.last_error.reset();
  auto watch = watch_request(now);
  out.insert(out.end(), std::make_move_iterator(watch.begin()),
             std::make_move_iterator(watch.end()));
  return out;
}

std::vector<action> reflector_state::on_watch_open(clock::time_point now) {
  if (in_flight_ != in_flight::watch) {
    return {};
  }
  mark_healthy(now);
  last_bytes_ = now;
  status_.phase = reflector_phase::watching;
  return {};
}

void reflector_state::on_bytes(clock::time_point now) {
  if (in_flight_ == in_flight::watch) {
    last_bytes_ = now;
  }
}

std::vector<action> reflector_state::on_watch_event(clock::time_point now, watch_event ev) {
  if (in_flight_ != in_flight::watch) {
    return {};
  }
  last_bytes_ = now;
  ++status_.events[static_cast<int>(ev.type)];
  switch (ev.type) {
    case event_type::added:
    case event_type::modified:
    case event_type::deleted: {
      if (auto rv = resource_version_of(ev.object)) {
        status_.resource_version = std::move(*rv);
      }
      std::vector<action> out;
      action a;
      a.what = action::kind::apply;
      a.event = std::move(ev);
      out.push_back(std::move(a));
      return out;
    }
    case event_type::bookmark:
      if (auto rv = resource_version_of(ev.object)) {
        status_.resource_version = std::move(*rv);
      }
      return {};
    case event_type::error: {
      auto [code, message] = status_of(ev.object);
      status_.last_error = "watch ERROR " + std::to_string(code) + ": " + message;
      if (code == 410) {
        return relist_after_expiry();
      }
      return backoff(now);
    }
  }
  return {};
}

std::vector<action> reflector_state::relist_after_expiry() {
  // client-go: a LIST at the last resourceVersion returns data at least that fresh. Unpaged, so
  // that the watch cache serves it (a paged LIST at a version is an exact read from etcd), unless
  // the server paged the first list (no watch cache).
  if (status_.resource_version.empty()) {
    return list_request(std::string("0"), true);
  }
  return list_request(status_.resource_version, paginated_result_);
}

std::vector<action> reflector_state::on_watch_end(clock::time_point now) {
  if (in_flight_ != in_flight::watch) {
    return {};
  }
  return watch_request(now);
}

std::vector<action> reflector_state::on_http_error(clock::time_point now, unsigned status,
                                                   std::optional<std::string_view> retry_after,
                                                   std::string message) {
  if (in_flight_ == in_flight::none) {
    return {};
  }
  bool listing = in_flight_ == in_flight::list;
  status_.last_error = std::string(listing ? "LIST" : "WATCH") + ": HTTP " +
                       std::to_string(status) + (message.empty() ? "" : ": " + message);
  if (status == 410) {
    if (!listing) {
      return relist_after_expiry();
    }
    if (!list_first_page_) {
      // The continue token expired mid-list: the whole list again, unpaged (client-go's pager).
      return list_request(list_rv_, false);
    }
    // The resourceVersion asked for is gone: a consistent read, no resourceVersion.
    return list_request(std::nullopt, true);
  }
  if (retryable_status(status)) {
    // A Retry-After of the server's is honoured; none, a date, or less than the backoff's floor
    // (0 would be a tight loop) backs off exponentially with jitter, so that the nodes of a
    // cluster do not come back in lockstep.
    if (retry_after) {
      if (auto d = parse_retry_after(*retry_after); d && *d >= options_.backoff_initial) {
        mark_unhealthy();
        return wait_then_retry(now, *d);
      }
    }
  }
  return backoff(now);
}

std::vector<action> reflector_state::on_connection_error(clock::time_point now,
                                                         std::string message) {
  if (in_flight_ == in_flight::none) {
    return {};
  }
  status_.last_error =
      std::string(in_flight_ == in_flight::list ? "LIST" : "WATCH") + ": " + std::move(message);
  return backoff(now);
}

std::vector<action> reflector_state::backoff(clock::time_point now) {
  if (healthy_since_ && now - *healthy_since_ >= options_.backoff_reset_after) {
    next_backoff_ = options_.backoff_initial;
  }
  mark_unhealthy();
  auto base = next_backoff_;
  next_backoff_ = std::min(next_backoff_ * 2, options_.backoff_max);
  double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  auto jittered = milliseconds(static_cast<std::int64_t>(static_cast<double>(base.count()) *
                                                         (1.0 + options_.backoff_jitter * u)));
  return wait_then_retry(now, std::min(jittered, options_.backoff_max));
}

std::vector<action> reflector_state::wait_then_retry(clock::time_point now, milliseconds delay) {
  retry_is_list_ = in_flight_ == in_flight::list;
  in_flight_ = in_flight::none;
  wake_at_ = now + delay;
  status_.phase = reflector_phase::backing_off;
  std::vector<action> out;
  action a;
  a.what = action::kind::wait;
  a.delay = delay;
  out.push_back(std::move(a));
  return out;
}

std::vector<action> reflector_state::on_timer(clock::time_point now) {
  if (!wake_at_) {
    return {};
  }
  if (now < *wake_at_) {
    std::vector<action> out;
    action a;
    a.what = action::kind::wait;
    a.delay = std::chrono::ceil<milliseconds>(*wake_at_ - now);
    out.push_back(std::move(a));
    return out;
  }
  wake_at_.reset();
  if (retry_is_list_) {
    in_flight_ = in_flight::list;
    status_.phase = reflector_phase::listing;
    action a;
    a.what = action::kind::send_list;
    a.params = last_list_params_;
    std::vector<action> out;
    out.push_back(std::move(a));
    return out;
  }
  return watch_request(now);
}

std::optional<clock::time_point> reflector_state::stall_deadline() const {
  if (in_flight_ != in_flight::watch) {
    return std::nullopt;
  }
  return last_bytes_ + options_.stall_timeout;
}

std::vector<action> reflector_state::on_watchdog(clock::time_point now) {
  if (in_flight_ != in_flight::watch || now - last_bytes_ < options_.stall_timeout) {
    return {};
  }
  status_.last_error = "WATCH: stalled, no bytes for " +
                       std::to_string(options_.stall_timeout.count()) + " ms; reconnecting";
  return watch_request(now);
}

}  // namespace svcbgp::k8s::client
