// admin_fake_server SOCKET: serves the fake daemon (fake_control.h) on SOCKET until stdin closes
// or SIGINT, so svcbgpc can be tried (and its interactive prompt driven) without a daemon.
#include <csignal>
#include <iostream>
#include <string>

#include "tests/admin/harness.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: admin_fake_server SOCKET\n";
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  svcbgp::testing::admin_harness h;  // io thread and fake; its own server stays unstarted
  svcbgp::admin::server srv(h.io(), h.fake(), [&] {
    svcbgp::admin::server_options x;
    x.unix_socket = argv[1];
    return x;
  }());
  srv.start();
  std::cout << "serving the fake daemon on " << argv[1] << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  srv.stop();
  return 0;
}
