#include "k8s/client/source.h"

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <deque>
#include <mutex>
#include <variant>

#include "k8s/client/connection_config.h"
#include "k8s/client/http_client.h"
#include "k8s/client/watch_decoder.h"
#include "k8s/model/json.h"

namespace svcbgp::k8s {

namespace asio = boost::asio;
namespace json = boost::json;
using client::action;
using client::clock;

std::string_view api_path(resource r) {
  switch (r) {
    case resource::services:
      return "/api/v1/services";
    case resource::endpoint_slices:
      return "/apis/discovery.k8s.io/v1/endpointslices";
    case resource::nodes:
      return "/api/v1/nodes";
    case resource::bgp_node_configs:
      return "/apis/svcbgp.io/v1alpha1/bgpnodeconfigs";
    case resource::bgp_advertisements:
      return "/apis/svcbgp.io/v1alpha1/bgpadvertisements";
    case resource::bgp_peers:
      return "/apis/svcbgp.io/v1alpha1/bgppeers";
    case resource::secrets:
      return "/api/v1/secrets";  // watched in one namespace: see resource_path
  }
  return "/";
}

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
using strand_type = asio::strand<asio::io_context::executor_type>;
using typed_object = std::variant<service, endpoint_slice, node, config_object>;

const json::object* metadata_of(const json::value& v) {
  const auto* obj = v.if_object();
  if (obj == nullptr) {
    return nullptr;
  }
  const auto* meta = obj->if_contains("metadata");
  return meta != nullptr ? meta->if_object() : nullptr;
}

std::string string_field(const json::object* o, std::string_view name) {
  if (o == nullptr) {
    return {};
  }
  const auto* f = o->if_contains(name);
  return f != nullptr && f->is_string() ? std::string(f->get_string()) : std::string();
}

object_key key_of(const json::value& v) {
  const auto* meta = metadata_of(v);
  return object_key{string_field(meta, "namespace"), string_field(meta, "name")};
}

// A config object is kept as the config reads it: its spec as JSON text (checked there, where
// an error can name the object's field), or a Secret's data decoded.
std::expected<config_object, parse_error> config_object_from_json(resource r,
                                                                  const json::value& v) {
  config_object o;
  o.meta.key = key_of(v);
  o.meta.resource_version = string_field(metadata_of(v), "resourceVersion");
  if (o.meta.key.name.empty()) {
    return std::unexpected(parse_error{"metadata.name", "missing"});
  }
  const auto* obj = v.if_object();
  if (r != resource::secrets) {
    const auto* spec = obj->if_contains("spec");
    o.spec = spec != nullptr ? boost::json::serialize(*spec) : "{}";
    return o;
  }
  const auto* data = obj->if_contains("data");
  if (data == nullptr || data->is_null()) {
    return o;
  }
  if (!data->is_object()) {
    return std::unexpected(parse_error{"data", "not an object"});
  }
  for (const auto& kv : data->get_object()) {
    if (!kv.value().is_string()) {
      return std::unexpected(parse_error{"data." + std::string(kv.key()), "not a string"});
    }
    auto d = client::base64_decode(kv.value().get_string());
    if (!d) {
      return std::unexpected(parse_error{"data." + std::string(kv.key()), d.error()});
    }
    o.data.emplace(std::string(kv.key()), std::move(*d));
  }
  return o;
}

std::expected<typed_object, parse_error> convert(resource r, const json::value& v) {
  switch (r) {
    case resource::services:
      return service_from_json(v);
    case resource::endpoint_slices:
      return endpoint_slice_from_json(v);
    case resource::nodes:
      return node_from_json(v);
    case resource::bgp_node_configs:
    case resource::bgp_advertisements:
    case resource::bgp_peers:
    case resource::secrets:
      if (v.if_object() == nullptr) {
        return std::unexpected(parse_error{"", "not an object"});
      }
      return config_object_from_json(r, v);
  }
  return std::unexpected(parse_error{"", "unknown resource"});
}

// A human-readable reason from an error answer: a Status's message, else the text.
std::string error_message(const std::string& body) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    auto m = string_field(&v.get_object(), "message");
    if (!m.empty()) {
      return m;
    }
  }
  std::string text = body.substr(0, 200);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// What one reflector hands to the cache strand.
struct cache_batch {
  resource which = resource::services;
  bool replace = false;
  // Deques: the cache consumes them as it moves them in (cluster_cache::replace).
  std::deque<service> services;
  std::deque<endpoint_slice> slices;
  std::deque<node> nodes;
  std::deque<config_object> configs;
  struct event {
    bool upsert = true;
    std::optional<typed_object> object;  // upsert
    object_key key;                      // remove
  };
  std::vector<event> events;
  // With replace: objects of the list that could not be read. Their cached version stays, as it
  // does for a MODIFIED event that cannot be read.
  std::vector<object_key> keep;
  bool empty() const { return !replace && events.empty(); }
};

}  // namespace

// The cache side, shared by the reflectors; lives on its own strand.
struct cache_side {
  cache_side(asio::io_context& io, cluster_cache& c, source::batch_callback cb)
      : strand(asio::make_strand(io)), cache(c), on_batch(std::move(cb)) {}

  void apply(cache_batch b) {
    if (stopped) {
      return;
    }
    if (b.replace) {
      switch (b.which) {
        case resource::services:
          cache.replace(std::move(b.services), b.keep);
          break;
        case resource::endpoint_slices:
          cache.replace(std::move(b.slices), b.keep);
          break;
        case resource::nodes:
          cache.replace(std::move(b.nodes), b.keep);
          break;
        case resource::bgp_node_configs:
        case resource::bgp_advertisements:
        case resource::bgp_peers:
        case resource::secrets:
          cache.replace(b.which, std::move(b.configs), b.keep);
          break;
      }
    }
    for (auto& e : b.events) {
      if (e.upsert) {
        std::visit(
            [&](auto& o) {
              if constexpr (std::is_same_v<std::decay_t<decltype(o)>, config_object>) {
                cache.upsert(b.which, std::move(o));
              } else {
                cache.upsert(std::move(o));
              }
            },
            *e.object);
      } else {
        cache.remove(b.which, e.key);
      }
    }
    {
      std::lock_guard lock(mutex);
      auto& st = statuses[static_cast<int>(b.which)];
      st.state.objects = cache.size(b.which);
      if (b.replace) {
        st.state.synced = true;
        synced_in_cache[static_cast<int>(b.which)] = true;
      }
    }
    if (on_batch) {
      on_batch(cache);
    }
  }

  strand_type strand;
  cluster_cache& cache;
  source::batch_callback on_batch;
  std::atomic<bool> stopped{false};

  mutable std::mutex mutex;
  std::array<resource_status, resource_count> statuses;
  std::array<bool, resource_count> synced_in_cache{};
  std::array<bool, resource_count> active{};
};

class reflector : public std::enable_shared_from_this<reflector> {
 public:
  reflector(asio::io_context& io, std::shared_ptr<cache_side> side, resource which,
            std::string path, const source_options& opts, client::reflector_options ropts,
            std::shared_ptr<client::token_source> tokens)
      : side_(std::move(side)),
        which_(which),
        path_(std::move(path)),
        strand_(asio::make_strand(io)),
        client_(strand_, opts.connection, std::move(tokens)),
        state_(std::move(ropts)),
        timer_(strand_),
        watchdog_timer_(strand_),
        list_timeout_(opts.list_timeout),
        log_(opts.log),
        info_(opts.info) {}

  void start() { asio::co_spawn(strand_, run(shared_from_this()), asio::detached); }

  void stop() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      self->client_.shutdown();
      self->timer_.cancel();
      self->watchdog_timer_.cancel();
    });
  }

 private:
  static asio::awaitable<void> run(std::shared_ptr<reflector> self) { co_await self->loop(); }

  // A connection error or a non-2xx answer goes to the state machine (backoff, Retry-After,
  // relist on 410); true when it was one.
  bool failed(clock::time_point now, const std::expected<client::http_result, std::string>& r) {
    if (!r) {
      push(state_.on_connection_error(now, r.error()));
      return true;
    }
    if (r->status < 200 || r->status >= 300) {
      std::optional<std::string_view> retry_after;
      if (!r->retry_after.empty()) {
        retry_after = r->retry_after;
      }
      push(state_.on_http_error(now, r->status, retry_after, error_message(r->error_body)));
      return true;
    }
    return false;
  }

  void push(std::vector<action> acts) {
    for (auto& a : acts) {
      queue_.push_back(std::move(a));
    }
  }

  void log(const std::string& text) {
    if (log_) {
      log_(std::string(to_string(which_)) + ": " + text);
    }
  }

  void publish_status() {
    std::lock_guard lock(side_->mutex);
    auto& st = side_->statuses[static_cast<int>(which_)];
    auto objects = st.state.objects;
    st.state = state_.status();
    st.state.objects = objects;
    st.state.synced = side_->synced_in_cache[static_cast<int>(which_)];
    st.last_skipped = last_skipped_;
    st.fields_ignored = fields_ignored_;
  }

  // Bad values inside an otherwise good object (issue 3: counted, logged, skipped).
  void report_ignored(const typed_object& o) {
    std::visit(
        [&](const auto& obj) {
          if constexpr (requires { obj.warnings; }) {
            for (const auto& w : obj.warnings) {
              ++fields_ignored_;
              log("field ignored: " + obj.meta.key.to_string() + ": " + w);
            }
          }
        },
        o);
  }

  void skipped(std::string why) {
    state_.count_malformed();
    log("skipped: " + why);
    last_skipped_ = std::move(why);
  }

  void post_batch(cache_batch b) {
    if (b.empty()) {
      return;
    }
    b.which = which_;
    asio::post(side_->strand,
               [side = side_, b = std::move(b)]() mutable { side->apply(std::move(b)); });
  }

  void stage(action& a) {
    if (a.first_page) {
      staged_ = cache_batch{};
    }
    for (const auto& item : a.items) {
      auto obj = convert(which_, item);
      if (!obj) {
        const auto key = key_of(item);
        skipped(key.to_string() + ": " + obj.error().to_string() +
                (key.name.empty() ? "" : " (the cached version, if any, stays)"));
        if (!key.name.empty()) {
          staged_.keep.push_back(key);
        }
        continue;
      }
      report_ignored(*obj);
      std::visit(
          [&](auto& o) {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, service>) {
              staged_.services.push_back(std::move(o));
            } else if constexpr (std::is_same_v<T, endpoint_slice>) {
              staged_.slices.push_back(std::move(o));
            } else if constexpr (std::is_same_v<T, node>) {
              staged_.nodes.push_back(std::move(o));
            } else {
              staged_.configs.push_back(std::move(o));
            }
          },
          *obj);
    }
  }

  void add_event(cache_batch& batch, const client::watch_event& ev) {
    cache_batch::event e;
    if (ev.type == client::event_type::deleted) {
      e.upsert = false;
      e.key = key_of(ev.object);
      if (e.key.name.empty()) {
        skipped("DELETED without metadata.name");
        return;
      }
      batch.events.push_back(std::move(e));
      return;
    }
    auto obj = convert(which_, ev.object);
    if (!obj) {
      skipped(key_of(ev.object).to_string() + ": " + obj.error().to_string());
      return;
    }
    report_ignored(*obj);
    e.object = std::move(*obj);
    batch.events.push_back(std::move(e));
  }

  asio::awaitable<void> loop() {
    push(state_.start(clock::now()));
    publish_status();
    while (!stopped_ && !queue_.empty()) {
      action a = std::move(queue_.front());
      queue_.pop_front();
      switch (a.what) {
        case action::kind::send_list:
          if (state_.status().synced && info_) {
            // A relist costs the API server a LIST of everything: say when and why.
            const auto& why = state_.status().last_error;
            info_(std::string(to_string(which_)) + ": relisting" + (why ? " after " + *why : ""));
          }
          co_await do_list(a.params);
          break;
        case action::kind::send_watch:
          co_await do_watch(a.params);
          break;
        case action::kind::wait: {
          // Said once per cause (a CRD not installed would otherwise log every backoff); the
          // status keeps counting.
          const auto why = state_.status().last_error.value_or("");
          if (why != last_logged_error_) {
            log("retrying in " + std::to_string(a.delay.count()) + " ms" +
                (why.empty() ? "" : " after " + why) + " (said once until it changes)");
            last_logged_error_ = why;
          }
          timer_.expires_after(a.delay);
          co_await timer_.async_wait(nothrow);
          if (!stopped_) {
            push(state_.on_timer(clock::now()));
          }
          break;
        }
        case action::kind::stage_page:
          stage(a);
          break;
        case action::kind::replace: {
          last_logged_error_.clear();  // listed: the next failure is news again
          cache_batch b = std::move(staged_);
          staged_ = cache_batch{};
          b.replace = true;
          post_batch(std::move(b));
          break;
        }
        case action::kind::apply: {
          cache_batch b;
          add_event(b, a.event);
          post_batch(std::move(b));
          break;
        }
      }
      publish_status();
    }
  }

  std::string target(const client::query& params) const {
    return path_ + "?" + client::encode_query(params);
  }

  asio::awaitable<void> do_list(const client::query& params) {
    json::stream_parser parser;
    std::string bad;
    auto r = co_await client_.get(target(params), list_timeout_, {}, [&](std::string_view bytes) {
      json::error_code ec;
      parser.write(bytes.data(), bytes.size(), ec);
      if (ec) {
        bad = ec.message();
        return false;
      }
      return true;
    });
    auto now = clock::now();
    if (stopped_) {
      co_return;
    }
    if (failed(now, r)) {
      co_return;
    }
    json::error_code ec;
    if (bad.empty()) {
      parser.finish(ec);
      if (ec) {
        bad = ec.message();
      }
    }
    if (!bad.empty()) {
      push(state_.on_connection_error(now, "invalid JSON in LIST answer: " + bad));
      co_return;
    }
    json::value v = parser.release();
    // A 200 whose body is not a List (a Status, a proxy's page) would read as an empty list and
    // drop every cached object, and with them live routes: it is an error, and the cache stays.
    const auto* obj = v.if_object();
    const auto* items = obj != nullptr ? obj->if_contains("items") : nullptr;
    const auto kind = string_field(obj, "kind");
    if (items == nullptr || !(items->is_array() || items->is_null()) ||
        !(kind.empty() || kind.ends_with("List"))) {
      std::string what = obj == nullptr ? "not a JSON object" : "kind '" + kind + "', no items";
      if (const auto m = string_field(obj, "message"); !m.empty()) {
        what += ": " + m;
      }
      push(state_.on_connection_error(
          now, "LIST answer is not a List (" + what + "); keeping the cached objects"));
      co_return;
    }
    client::list_page page;
    const auto* meta = metadata_of(v);
    page.resource_version = string_field(meta, "resourceVersion");
    page.continue_token = string_field(meta, "continue");
    if (items->is_array()) {
      page.items = std::move(const_cast<json::value*>(items)->get_array());
    }
    push(state_.on_list_page(now, std::move(page)));
  }

  // Decoded results of one read: events to the cache batch, anything else ends the stream.
  bool handle_decoded(std::vector<client::watch_decode_result>& results, cache_batch& batch,
                      clock::time_point now) {
    for (auto& res : results) {
      if (!res) {
        skipped("watch stream: " + res.error().message);
        continue;
      }
      for (auto& act : state_.on_watch_event(now, std::move(*res))) {
        if (act.what == action::kind::apply) {
          add_event(batch, act.event);
        } else {
          queue_.push_back(std::move(act));
        }
      }
      if (!queue_.empty()) {
        return false;
      }
    }
    return true;
  }

  asio::awaitable<void> watchdog(std::shared_ptr<reflector> self, std::uint64_t generation) {
    while (!stopped_ && watch_generation_ == generation) {
      auto deadline = state_.stall_deadline();
      if (!deadline) {
        co_return;
      }
      watchdog_timer_.expires_at(*deadline);
      co_await watchdog_timer_.async_wait(nothrow);
      if (stopped_ || watch_generation_ != generation) {
        co_return;
      }
      auto acts = state_.on_watchdog(clock::now());
      if (!acts.empty()) {
        log(*state_.status().last_error);
        stalled_ = std::move(acts);
        client_.close();
        co_return;
      }
    }
    (void)self;
  }

  asio::awaitable<void> do_watch(const client::query& params) {
    decoder_ = client::watch_decoder{};
    stalled_.clear();
    auto generation = ++watch_generation_;
    asio::co_spawn(strand_, watchdog(shared_from_this(), generation), asio::detached);
    auto r = co_await client_.get(
        target(params), std::nullopt, [&] { state_.on_watch_open(clock::now()); },
        [&](std::string_view bytes) {
          auto now = clock::now();
          state_.on_bytes(now);
          auto results = decoder_.feed(bytes);
          cache_batch batch;
          bool go_on = handle_decoded(results, batch, now);
          post_batch(std::move(batch));
          publish_status();
          return go_on && !stopped_;
        });
    ++watch_generation_;
    watchdog_timer_.cancel();
    auto now = clock::now();
    if (stopped_) {
      co_return;
    }
    if (!stalled_.empty()) {
      push(std::move(stalled_));
      stalled_.clear();
      co_return;
    }
    if (failed(now, r)) {
      co_return;
    }
    if (!r->complete) {
      co_return;  // handle_decoded queued what comes next
    }
    if (auto last = decoder_.finish()) {
      std::vector<client::watch_decode_result> results;
      results.push_back(std::move(*last));
      cache_batch batch;
      bool go_on = handle_decoded(results, batch, now);
      post_batch(std::move(batch));
      if (!go_on) {
        co_return;
      }
    }
    push(state_.on_watch_end(now));
  }

  std::shared_ptr<cache_side> side_;
  resource which_;
  std::string path_;
  strand_type strand_;
  client::http_client client_;
  client::reflector_state state_;
  asio::steady_timer timer_;
  asio::steady_timer watchdog_timer_;
  std::chrono::milliseconds list_timeout_;
  std::function<void(std::string_view)> log_;
  std::function<void(std::string_view)> info_;
  std::deque<action> queue_;
  cache_batch staged_;
  client::watch_decoder decoder_;
  std::vector<action> stalled_;
  std::uint64_t watch_generation_ = 0;
  std::optional<std::string> last_skipped_;
  std::string last_logged_error_;
  std::uint64_t fields_ignored_ = 0;
  bool stopped_ = false;
};

struct source::impl {
  impl(asio::io_context& io_in, source_options opts_in, cluster_cache& cache, batch_callback cb)
      : io(io_in),
        opts(std::move(opts_in)),
        side(std::make_shared<cache_side>(io, cache, std::move(cb))) {}

  asio::io_context& io;
  source_options opts;
  std::shared_ptr<cache_side> side;
  std::vector<std::shared_ptr<reflector>> reflectors;
  bool started = false;
};

source::source(asio::io_context& io, source_options options, cluster_cache& cache,
               batch_callback on_batch)
    : impl_(std::make_shared<impl>(io, std::move(options), cache, std::move(on_batch))) {}

source::~source() {
  stop();
}

void source::start() {
  auto& d = *impl_;
  if (d.started) {
    return;
  }
  d.started = true;
  auto tokens = std::make_shared<client::token_source>(
      d.opts.connection.token, d.opts.connection.token_file, d.opts.token_reread);
  std::vector<resource> which = {resource::services, resource::endpoint_slices};
  if (!d.opts.node_name.empty()) {
    which.push_back(resource::nodes);
  }
  if (!d.opts.config_namespace.empty()) {
    for (auto r : {resource::bgp_node_configs, resource::bgp_advertisements, resource::bgp_peers,
                   resource::secrets}) {
      which.push_back(r);
    }
  }
  std::uint64_t seed = d.opts.reflector.seed;
  for (auto r : which) {
    auto ropts = d.opts.reflector;
    ropts.seed = seed == 0 ? static_cast<std::uint64_t>(clock::now().time_since_epoch().count()) +
                                 static_cast<std::uint64_t>(r)
                           : seed + static_cast<std::uint64_t>(r);
    if (r == resource::nodes) {
      ropts.field_selector = "metadata.name=" + d.opts.node_name;
    }
    const std::string path =
        r == resource::secrets
            ? "/api/v1/namespaces/" +
                  client::encode_query({{"", d.opts.config_namespace}}).substr(1) + "/secrets"
            : std::string(api_path(r));
    {
      std::lock_guard lock(d.side->mutex);
      auto& st = d.side->statuses[static_cast<int>(r)];
      st.which = r;
      st.path = path;
      d.side->active[static_cast<int>(r)] = true;
    }
    d.reflectors.push_back(
        std::make_shared<reflector>(d.io, d.side, r, path, d.opts, std::move(ropts), tokens));
  }
  for (auto& r : d.reflectors) {
    r->start();
  }
}

void source::stop() {
  auto& d = *impl_;
  d.side->stopped = true;
  for (auto& r : d.reflectors) {
    r->stop();
  }
  d.reflectors.clear();
}

bool source::synced() const {
  std::lock_guard lock(impl_->side->mutex);
  for (std::size_t i = 0; i < resource_count; ++i) {
    if (impl_->side->active[i] && !impl_->side->synced_in_cache[i]) {
      return false;
    }
  }
  return impl_->started;
}

std::vector<resource_status> source::status() const {
  std::lock_guard lock(impl_->side->mutex);
  std::vector<resource_status> out;
  for (std::size_t i = 0; i < resource_count; ++i) {
    if (impl_->side->active[i]) {
      out.push_back(impl_->side->statuses[i]);
    }
  }
  return out;
}

}  // namespace svcbgp::k8s
