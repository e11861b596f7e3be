// kubectl-svcbgp: `kubectl svcbgp peers|nodes`, the cluster's BGP sessions from every node's
// BGPNodeStatus, found by kubectl as a plugin on PATH (installed beside svcbgpc). Credentials as
// kubectl finds them: --kubeconfig, $KUBECONFIG, ~/.kube/config, then the pod's service account.
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>

#include "k8s/client/connection_config.h"
#include "k8s/client/http_client.h"
#include "k8s/client/node_status.h"
#include "k8s/client/reflector_state.h"
#include "src/kubectl_svcbgp/args.h"
#include "src/kubectl_svcbgp/cluster_view.h"
#include "src/kubectl_svcbgp/config_check.h"

namespace {

namespace asio = boost::asio;
namespace kc = svcbgp::k8s::client;
using namespace svcbgp::kubectl_svcbgp;

constexpr std::size_t max_answer = 256u << 20;  // a 5,000-node cluster's statuses are a few MB

std::expected<kc::connection_config, std::string> connection(const options& o) {
  auto text = [](const auto& r) -> std::expected<kc::connection_config, std::string> {
    if (!r) {
      return std::unexpected(r.error().to_string());
    }
    return *r;
  };
  if (!o.kubeconfig.empty()) {
    return text(kc::load_kubeconfig(o.kubeconfig));
  }
  const char* env = std::getenv("KUBECONFIG");
  const char* home = std::getenv("HOME");
  struct stat st {};
  if ((env && *env) || (home && ::stat((std::string(home) + "/.kube/config").c_str(), &st) == 0)) {
    return text(kc::load_kubeconfig(""));
  }
  auto in = kc::in_cluster_inputs::from_environment();
  if (in.service_host) {
    return text(kc::load_in_cluster(in));
  }
  return std::unexpected(
      "no kubeconfig: give --kubeconfig, set KUBECONFIG, write ~/.kube/config, or run in a pod");
}

// Every page of the list at `path` (limit 500, then `continue`), as kubectl get does: each page's
// body to `page`, which returns its continue token or what is wrong with it.
struct fetch_error {
  unsigned status = 0;  // 0: no HTTP answer
  std::string text;
};
using page_reader = std::function<std::expected<std::string, std::string>(const std::string&)>;

// One GET, its body kept up to max_answer.
struct answer {
  unsigned status = 0;
  std::string body;  // or the error body
};
asio::awaitable<std::expected<answer, std::string>> get(kc::http_client& client,
                                                        std::string target) {
  std::string body;
  std::function<void()> on_head;
  kc::http_client::body_handler on_body = [&](std::string_view b) {
    body.append(b);
    return body.size() <= max_answer;
  };
  std::optional<std::chrono::milliseconds> timeout = std::chrono::seconds(30);
  auto r = co_await client.get(std::move(target), timeout, on_head, on_body);
  if (!r) {
    co_return std::unexpected(r.error());
  }
  if (r->status != 200) {
    co_return answer{r->status, r->error_body};
  }
  if (!r->complete) {
    co_return std::unexpected("the answer is larger than 256 MiB");
  }
  co_return answer{200, std::move(body)};
}

asio::awaitable<std::optional<fetch_error>> list_all(kc::http_client& client, std::string path,
                                                     page_reader page) {
  std::string cont;
  do {
    kc::query q{{"limit", "500"}};
    if (!cont.empty()) {
      q["continue"] = cont;
    }
    auto r = co_await get(client, path + "?" + kc::encode_query(q));
    if (!r) {
      co_return fetch_error{0, r.error()};
    }
    if (r->status != 200) {
      co_return fetch_error{r->status, r->body};
    }
    auto next = page(r->body);
    if (!next) {
      co_return fetch_error{0, next.error()};
    }
    cont = *next;
  } while (!cont.empty());
  co_return std::nullopt;
}

// `peers` and `nodes`: every BGPNodeStatus.
asio::awaitable<void> read_statuses(kc::http_client& client, std::vector<node_row>& out,
                                    std::string& error) {
  auto failed =
      co_await list_all(client, std::string(kc::node_status_path),
                        [&](const std::string& body) -> std::expected<std::string, std::string> {
                          auto page = parse_status_list(body);
                          if (!page) {
                            return std::unexpected(page.error());
                          }
                          std::ranges::move(page->nodes, std::back_inserter(out));
                          return page->continue_token;
                        });
  if (failed) {
    error = failed->status == 0 ? failed->text : describe_failure(failed->status, failed->text);
  }
}

// `check`: the config objects, the nodes (or one), and the Secrets the peers name.
asio::awaitable<void> read_config(kc::http_client& client, const options& o, check_input& in,
                                  std::vector<node_labels>& nodes, std::string& error) {
  const std::pair<const char*, std::vector<svcbgp::config::resource_object>*> kinds[] = {
      {"BGPNodeConfig", &in.node_configs},
      {"BGPAdvertisement", &in.advertisements},
      {"BGPPeer", &in.peers}};
  for (const auto& [kind, into] : kinds) {
    std::string plural = std::string(kind) + "s";
    for (auto& ch : plural) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    const std::string path = "/apis/svcbgp.io/v1alpha1/" + plural;
    auto failed =
        co_await list_all(client, path,
                          [&, kind = kind, into = into](
                              const std::string& body) -> std::expected<std::string, std::string> {
                            auto objs = parse_resource_list(body, std::string(kind) + "List");
                            if (!objs) {
                              return std::unexpected(objs.error());
                            }
                            std::ranges::move(*objs, std::back_inserter(*into));
                            return continue_token(body);
                          });
    if (failed) {
      error = failed->status == 404
                  ? std::string(kind) + " is not installed (404 from " + path +
                        "): kubectl apply -k configs/deploy/crds"
                  : (failed->status == 0 ? failed->text
                                         : describe_failure(failed->status, failed->text));
      co_return;
    }
  }
  std::string node_path = "/api/v1/nodes";
  auto failed = co_await list_all(
      client, node_path, [&](const std::string& body) -> std::expected<std::string, std::string> {
        auto page = parse_node_list(body);
        if (!page) {
          return std::unexpected(page.error());
        }
        for (auto& n : *page) {
          if (o.node.empty() || n.name == o.node) {
            nodes.push_back(std::move(n));
          }
        }
        return continue_token(body);
      });
  if (failed) {
    error = failed->status == 0 ? failed->text : describe_failure(failed->status, failed->text);
    co_return;
  }
  // Percent-encoded path segments: a name from an object's spec must not reach another path.
  const auto segment = [](const std::string& x) { return kc::encode_query({{"", x}}).substr(1); };
  for (const auto& name : referenced_secrets(in.peers)) {
    auto r = co_await get(
        client, "/api/v1/namespaces/" + segment(o.namespace_) + "/secrets/" + segment(name));
    if (!r) {
      error = r.error();
      co_return;
    }
    if (r->status == 200) {
      auto data = parse_secret(r->body);
      if (!data) {
        error = "Secret " + name + ": " + data.error();
        co_return;
      }
      in.secrets.emplace(name, std::move(*data));
    } else if (r->status == 401 || r->status == 403) {
      in.unreadable_secrets.insert(name);
    } else if (r->status != 404) {
      error = "Secret " + name + ": " + describe_failure(r->status, r->body);
      co_return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto opts = parse_args(args);
  if (!opts) {
    std::cerr << "kubectl-svcbgp: " << opts.error() << "\n" << usage_text;
    return 2;
  }
  if (opts->what == command::help) {
    std::cout << usage_text;
    return 0;
  }
  if (opts->what == command::version) {
    std::cout << "kubectl-svcbgp " << SVCBGP_VERSION << "\n";
    return 0;
  }
  auto conn = connection(*opts);
  if (!conn) {
    std::cerr << "kubectl-svcbgp: " << conn.error() << "\n";
    return 2;
  }
  asio::io_context io;
  auto tokens =
      std::make_shared<kc::token_source>(conn->token, conn->token_file, std::chrono::seconds(60));
  kc::http_client client(io.get_executor(), *conn, tokens);
  std::string error;
  if (opts->what == command::check) {
    check_input in;
    std::vector<node_labels> nodes;
    asio::co_spawn(io, read_config(client, *opts, in, nodes, error), asio::detached);
    io.run();
    if (!error.empty()) {
      std::cerr << "kubectl-svcbgp: " << conn->url() << ": " << error << "\n";
      return 2;
    }
    if (nodes.empty() && !opts->node.empty()) {
      std::cerr << "kubectl-svcbgp: no node " << opts->node << "\n";
      return 1;
    }
    const auto results = svcbgp::kubectl_svcbgp::check(in, nodes);
    std::cout << (opts->json ? check_json(results) : render_check(results, in.unreadable_secrets));
    return std::any_of(results.begin(), results.end(),
                       [](const node_result& r) { return !r.errors.empty(); })
               ? 1
               : 0;
  }
  std::vector<node_row> nodes;
  asio::co_spawn(io, read_statuses(client, nodes, error), asio::detached);
  io.run();
  if (!error.empty()) {
    std::cerr << "kubectl-svcbgp: " << conn->url() << ": " << error << "\n";
    return 2;
  }
  const auto now = std::chrono::system_clock::now();
  nodes = select_nodes(std::move(nodes), opts->node);
  mark_stale(nodes, now);
  if (nodes.empty() && !opts->node.empty()) {
    std::cerr << "kubectl-svcbgp: node " << opts->node << " has no BGPNodeStatus\n";
    return 1;
  }
  if (opts->what == command::peers) {
    std::cout << (opts->json ? peers_json(nodes) : render_peers(nodes, now));
  } else {
    std::cout << (opts->json ? nodes_json(nodes) : render_nodes(nodes));
  }
  return any_unhealthy(nodes) ? 1 : 0;
}
