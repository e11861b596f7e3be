// kubectl-svcbgp: `kubectl svcbgp peers|nodes`, the cluster's BGP sessions from every node's
// BGPNodeStatus, found by kubectl as a plugin on PATH (installed beside svcbgpc). Credentials as
// kubectl finds them: --kubeconfig, $KUBECONFIG, ~/.kube/config, then the pod's service account.
#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "k8s/client/connection_config.h"
#include "k8s/client/http_client.h"
#include "k8s/client/node_status.h"
#include "k8s/client/reflector_state.h"
#include "src/kubectl_svcbgp/args.h"
#include "src/kubectl_svcbgp/cluster_view.h"

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

// Every page of the list (limit 500, then `continue`), as kubectl get does.
asio::awaitable<void> list_all(kc::http_client& client, std::vector<node_row>& out,
                               std::string& error) {
  std::string cont;
  do {
    kc::query q{{"limit", "500"}};
    if (!cont.empty()) {
      q["continue"] = cont;
    }
    std::string target = std::string(kc::node_status_path) + "?" + kc::encode_query(q);
    std::string body;
    std::function<void()> on_head;
    kc::http_client::body_handler on_body = [&](std::string_view b) {
      body.append(b);
      return body.size() <= max_answer;
    };
    std::optional<std::chrono::milliseconds> timeout = std::chrono::seconds(30);
    auto r = co_await client.get(std::move(target), timeout, on_head, on_body);
    if (!r) {
      error = r.error();
      co_return;
    }
    if (r->status != 200) {
      error = describe_failure(r->status, r->error_body);
      co_return;
    }
    if (!r->complete) {
      error = "the answer is larger than 256 MiB";
      co_return;
    }
    auto page = parse_status_list(body);
    if (!page) {
      error = page.error();
      co_return;
    }
    std::ranges::move(page->nodes, std::back_inserter(out));
    cont = page->continue_token;
  } while (!cont.empty());
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
  std::vector<node_row> nodes;
  std::string error;
  asio::co_spawn(io, list_all(client, nodes, error), asio::detached);
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
