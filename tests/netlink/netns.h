// A fixture that runs each test in a fresh network namespace of its own.
//
// SetUp moves the calling thread (the test thread) into a new namespace with unshare(CLONE_NEWNET);
// sockets the test opens and the `ip` commands it runs (children inherit the thread's namespace)
// live there. TearDown moves the thread back; the namespace, with its veths, disappears once the
// last socket in it is closed. Skips when not root.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "bgp/codec/ip.h"

namespace svcbgp::netlink {

class netns_test : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Runs a shell command in the test's namespace; a failure fails the test.
  void sh(const std::string& command);
  // A veth pair `a`-`b`, both up.
  void veth(const std::string& a, const std::string& b);
  int ifindex(const std::string& name);

  static bgp::ip_address ip(const char* text) { return *bgp::ip_address::parse(text); }

 private:
  int original_ = -1;
};

}  // namespace svcbgp::netlink
