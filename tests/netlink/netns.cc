#include "tests/netlink/netns.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace svcbgp::netlink {

void netns_test::SetUp() {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root: creates a network namespace and veth pairs";
  }
  original_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original_ < 0) {
    GTEST_SKIP() << "cannot open /proc/thread-self/ns/net: " << std::strerror(errno);
  }
  if (::unshare(CLONE_NEWNET) != 0) {
    int err = errno;
    ::close(original_);
    original_ = -1;
    GTEST_SKIP() << "cannot create a network namespace: " << std::strerror(err);
  }
  sh("ip link set lo up");
}

void netns_test::TearDown() {
  if (original_ >= 0) {
    EXPECT_EQ(::setns(original_, CLONE_NEWNET), 0) << std::strerror(errno);
    ::close(original_);
    original_ = -1;
  }
}

void netns_test::sh(const std::string& command) {
  int rc = std::system(command.c_str());
  ASSERT_EQ(rc, 0) << command;
}

void netns_test::veth(const std::string& a, const std::string& b) {
  sh("ip link add " + a + " type veth peer name " + b);
  sh("ip link set " + a + " up");
  sh("ip link set " + b + " up");
}

int netns_test::ifindex(const std::string& name) {
  return static_cast<int>(::if_nametoindex(name.c_str()));
}

}  // namespace svcbgp::netlink
