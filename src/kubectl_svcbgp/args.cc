#include "src/kubectl_svcbgp/args.h"

namespace svcbgp::kubectl_svcbgp {

const std::string_view usage_text =
    "usage: kubectl svcbgp peers|nodes|check [--node NAME] [-o json | --json] [--kubeconfig FILE]\n"
    "The cluster's BGP from every node's BGPNodeStatus (svcbgp.io/v1alpha1).\n"
    "  peers              one line per session: node, local AS, peer, peer AS, state, since,\n"
    "                     prefixes sent and received, last error\n"
    "  nodes              one line per node: AS, config generation, synced, sessions up,\n"
    "                     announced IPs by kind, conditions that are not met\n"
    "  check              the config each node would run from the BGPNodeConfig,\n"
    "                     BGPAdvertisement and BGPPeer objects (kubernetes.config: crds), checked\n"
    "                     as svcbgpd checks it: local AS, the peers it takes, or each error\n"
    "  --namespace NS     where svcbgpd reads Secrets (check; default svcbgp-system)\n"
    "  --node NAME        only that node\n"
    "  -o json, --json    JSON instead of a table\n"
    "  --kubeconfig FILE  instead of $KUBECONFIG, ~/.kube/config or the pod's service account\n"
    "  -h, --help         this help; --version: the version\n"
    "Exit status: 0 every session a node's config asks for is Established (check: every node's\n"
    "config is valid); 1 one is not, or a node has no readable status (check: an object is\n"
    "wrong); 2 bad arguments or the API server could not be read.\n";

std::expected<options, std::string> parse_args(const std::vector<std::string_view>& args) {
  options o;
  bool have_command = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto value = [&](std::string_view flag) -> std::expected<std::string, std::string> {
      if (auto eq = a.find('='); a.starts_with("--") && eq != std::string_view::npos) {
        if (eq + 1 == a.size()) {
          return std::unexpected(std::string(flag) + " needs a value");
        }
        return std::string(a.substr(eq + 1));
      }
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        return std::unexpected(std::string(flag) + " needs a value");
      }
      return std::string(args[++i]);
    };
    auto is = [&](std::string_view flag) {
      return a == flag || (a.starts_with(flag) && a.size() > flag.size() && a[flag.size()] == '=');
    };
    if (a == "-h" || a == "--help" || a == "help") {
      o.what = command::help;
      return o;
    } else if (a == "--version" || a == "version") {
      o.what = command::version;
      return o;
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "-ojson") {
      o.json = true;
    } else if (a == "-o" || is("--output")) {
      auto got = value(a == "-o" ? "-o" : "--output");
      if (!got) {
        return std::unexpected(got.error());
      }
      if (*got != "json") {
        return std::unexpected("-o " + *got + ": only json is supported");
      }
      o.json = true;
    } else if (is("--node")) {
      auto got = value("--node");
      if (!got) {
        return std::unexpected(got.error());
      }
      o.node = *got;
    } else if (is("--namespace") || a == "-n") {
      auto got = value(a == "-n" ? "-n" : "--namespace");
      if (!got) {
        return std::unexpected(got.error());
      }
      o.namespace_ = *got;
    } else if (is("--kubeconfig")) {
      auto got = value("--kubeconfig");
      if (!got) {
        return std::unexpected(got.error());
      }
      o.kubeconfig = *got;
    } else if (a.starts_with("-")) {
      return std::unexpected("unknown option " + std::string(a));
    } else if (have_command) {
      return std::unexpected("one command only; " + std::string(a) + " is extra");
    } else if (a == "peers" || a == "peer") {
      o.what = command::peers;
      have_command = true;
    } else if (a == "nodes" || a == "node") {
      o.what = command::nodes;
      have_command = true;
    } else if (a == "check") {
      o.what = command::check;
      have_command = true;
    } else {
      return std::unexpected("unknown command " + std::string(a) + " (peers, nodes or check)");
    }
  }
  if (!have_command) {
    return std::unexpected("a command is needed: peers, nodes or check");
  }
  return o;
}

}  // namespace svcbgp::kubectl_svcbgp
