// Test helper: runs tests/fake_apiserver/fake_apiserver.py as a child process, reads its ready
// line, and drives its control interface (plain HTTP + JSON on 127.0.0.1) with blocking calls.
//
// The child gets --exit-on-stdin-eof, so it also goes away if the test process dies. Blocking
// and synchronous on purpose: it runs on the test thread, never on the io_context.
#pragma once

#include <sys/types.h>

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace svcbgp::k8s::testing {

class fake_apiserver {
 public:
  // Extra command-line arguments, e.g. {"--plain"}, {"--token-file", path}.
  explicit fake_apiserver(std::vector<std::string> args = {});
  ~fake_apiserver();
  fake_apiserver(const fake_apiserver&) = delete;
  fake_apiserver& operator=(const fake_apiserver&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // From the ready line.
  std::string url, ca, token, kubeconfig, client_cert, client_key;
  std::uint16_t port = 0;
  std::uint16_t control_port = 0;

  // Control interface; the parsed JSON answer (null on failure, with a gtest failure added).
  boost::json::value call(const std::string& method, const std::string& path,
                          const boost::json::value& body = nullptr);
  boost::json::value apply(const boost::json::value& object) {
    return call("POST", "/objects", object);
  }
  boost::json::value remove(const std::string& resource, const std::string& ns,
                            const std::string& name) {
    return call("DELETE", "/objects/" + resource + "/" + (ns.empty() ? "-" : ns) + "/" + name);
  }
  boost::json::value fault(const boost::json::value& spec) { return call("POST", "/faults", spec); }
  // Requests logged since `since` that match, waiting up to `wait_s` for at least one.
  boost::json::array requests(const std::string& filter, std::uint64_t since = 0,
                              double wait_s = 0);

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::string error_;
};

}  // namespace svcbgp::k8s::testing
