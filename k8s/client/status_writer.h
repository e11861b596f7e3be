// Writes this node's BGPNodeStatus (node_status.h) through the status subresource: created when
// missing (owned by the Node), then a JSON merge patch with a resourceVersion precondition (a 409
// reads the object again and writes once more: this node is its only writer), only when the status
// changed and at most once per `min_interval`, and again every `heartbeat` when nothing changed
// (status.heartbeatTime: a reader tells a stopped svcbgpd from a quiet one). A missing CRD (404 on
// create) is reported once and tried again every `missing_crd_retry`; other failures back off from
// 1 s to 30 s. The daemon goes on whatever happens here.
//
// Asio stays in the .cc (pimpl). Concurrency: report() and stop() from the io_context's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "k8s/client/connection_config.h"
#include "k8s/client/node_status.h"

namespace boost::asio {
class io_context;
}

namespace svcbgp::k8s::client {

struct status_writer_options {
  connection_config connection;
  std::string node;
  std::chrono::milliseconds min_interval{1000};
  std::chrono::milliseconds missing_crd_retry{30'000};
  // 60 s: 5,000 nodes make 83 writes a second, a sixth of what their kubelets' Lease renewals cost.
  std::chrono::seconds heartbeat{60};  // 0: only changes are written
  std::chrono::seconds token_reread{60};
  std::function<void(std::string_view)> log;   // failures (the first of a kind)
  std::function<void(std::string_view)> info;  // the object created
};

struct status_writer_stats {
  std::uint64_t writes = 0;
  std::uint64_t conflicts = 0;
  std::uint64_t failures = 0;
  bool crd_missing = false;
};

class status_writer {
 public:
  status_writer(boost::asio::io_context& io, status_writer_options options);
  ~status_writer();
  status_writer(const status_writer&) = delete;
  status_writer& operator=(const status_writer&) = delete;

  void start();
  // The node's state now; written when it differs from what was written last. `node_uid`: the
  // Node's metadata.uid for the ownerReference (empty: none yet, the object is created without).
  void report(const node_report& r, const std::string& node_uid);
  void stop();
  status_writer_stats stats() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace svcbgp::k8s::client
