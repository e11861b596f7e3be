// kubectl-svcbgp's command line. Pure: argv in, options or an error naming the argument out.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace svcbgp::kubectl_svcbgp {

enum class command { peers, nodes, check, help, version };

struct options {
  command what = command::help;
  bool json = false;
  std::string node;        // --node: only this node
  std::string kubeconfig;  // --kubeconfig: instead of $KUBECONFIG, ~/.kube/config, in-cluster
  std::string namespace_ = "svcbgp-system";  // --namespace: where svcbgpd reads Secrets (check)
};

std::expected<options, std::string> parse_args(const std::vector<std::string_view>& args);

extern const std::string_view usage_text;

}  // namespace svcbgp::kubectl_svcbgp
