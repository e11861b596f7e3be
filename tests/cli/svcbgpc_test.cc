// svcbgpc end to end: the built binary against the admin server and the fake daemon, over a real
// unix socket; output compared with the golden files, exit codes checked.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <sstream>

#include "svcbgp/admin/v1/admin.pb.h"
#include "tests/admin/harness.h"
#include "tests/cli/golden.h"

namespace svcbgp::testing {
namespace {

namespace v1 = ::svcbgp::admin::v1;

struct outcome {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs svcbgpc with `args`, feeding `input` on stdin; never through a shell.
outcome run_svcbgpc(const std::vector<std::string>& args, const std::string& input = "",
                    uid_t as_user = 0) {
  const char* exe = std::getenv("SVCBGPC");
  EXPECT_NE(exe, nullptr) << "SVCBGPC not set";
  std::vector<std::string> argv_s{exe != nullptr ? exe : "svcbgpc"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::string tz = "TZ=UTC";
  std::string home = "HOME=/nonexistent";
  std::vector<char*> envp{tz.data(), home.data(), nullptr};

  int in[2], out[2], err[2];
  EXPECT_EQ(::pipe(in), 0);
  EXPECT_EQ(::pipe(out), 0);
  EXPECT_EQ(::pipe(err), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (as_user != 0 && (::setgid(as_user) != 0 || ::setuid(as_user) != 0)) {
      ::_exit(126);
    }
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
      ::close(fd);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (!input.empty()) {
    EXPECT_EQ(::write(in[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  }
  ::close(in[1]);
  outcome o;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open = 2;
  while (open > 0) {
    if (::poll(fds, 2, 30'000) <= 0) {
      ADD_FAILURE() << "svcbgpc hangs";
      ::kill(pid, SIGKILL);
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) {
        continue;
      }
      char buf[4096];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? o.out : o.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

std::vector<std::string> split(const std::string& command) {
  std::istringstream in(command);
  std::vector<std::string> out;
  for (std::string w; in >> w;) {
    out.push_back(w);
  }
  return out;
}

// The server's clock differs from the fixture's: drop the lines that show it.
std::string without_clock_lines(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("Current server time is") || line.starts_with("Uptime is")) {
      continue;
    }
    out += line + "\n";
  }
  return out;
}

class svcbgpc_test : public ::testing::Test {
 protected:
  void SetUp() override { h_.start(); }
  void TearDown() override { EXPECT_EQ(h_.fake().wrong_thread_calls, 0); }

  outcome run(const std::string& command) {
    auto args = split(command);
    args.insert(args.begin(), {"-s", h_.socket()});
    return run_svcbgpc(args);
  }

  admin_harness h_;
};

TEST_F(svcbgpc_test, every_golden_command) {
  for (const auto& c : golden_cases) {
    SCOPED_TRACE(c.command);
    const auto o = run(c.command);
    EXPECT_EQ(o.code, 0) << o.err;
    EXPECT_EQ(o.err, "");
    EXPECT_EQ(without_clock_lines(o.out), without_clock_lines(read_golden(c.name)));
  }
}

TEST_F(svcbgpc_test, abbreviations_give_the_same_output) {
  EXPECT_EQ(run("s p").out, read_golden("protocols"));
  EXPECT_EQ(run("s p a tor1").out, read_golden("protocols_all_tor1"));
  EXPECT_EQ(run("sh ro c").out, read_golden("route_count"));
}

TEST_F(svcbgpc_test, json_is_the_same_data) {
  auto o = run("--json show protocols all");
  // Options come first; "--json" after -s SOCKET is still an option.
  ASSERT_EQ(o.code, 0) << o.err;
  v1::ListPeersResponse peers;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(o.out, &peers).ok()) << o.out;
  ASSERT_EQ(peers.peers_size(), 3);
  EXPECT_EQ(peers.peers(0).state_name(), "Established");
  EXPECT_EQ(peers.peers(0).family_stats(0).received(), 2u);

  o = run("--json show route for 10.96.0.1");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("\"routes\": {"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"name\": \"kubernetes\""), std::string::npos) << o.out;

  o = run("--json configure check");
  v1::ReloadConfigResponse reload;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(o.out, &reload).ok()) << o.out;
  EXPECT_TRUE(reload.ok());
}

TEST_F(svcbgpc_test, peer_commands_reach_the_daemon) {
  auto o = run("disable tor1 maintenance");
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "tor1: disabled\n");
  o = run("enable tor1");
  EXPECT_EQ(o.out, "tor1: enabled\n");
  o = run("restart all");
  EXPECT_EQ(o.out, "tor1: restarted\ntor2: restarted\ntor3: restarted\n");
  o = run("reload out tor2");
  EXPECT_EQ(o.out, "tor2: reloading\n");
  o = run("reload tor2");
  EXPECT_EQ(o.out, "tor2: reloading\n");
  using c = fake_control::call;
  const std::vector<c> want = {
      {"disable", "tor1", "maintenance", false, false},
      {"enable", "tor1", "", false, false},
      {"reset", "tor1", "", true, false},
      {"reset", "tor2", "", true, false},
      {"reset", "tor3", "", true, false},
      {"reset", "tor2", "", false, false},
      {"reset", "tor2", "", false, true},
      {"reset", "tor2", "", false, false},
  };
  EXPECT_EQ(h_.fake().calls(), want);
}

TEST_F(svcbgpc_test, configure_with_a_broken_file_fails) {
  h_.fake().config_broken = true;
  const auto o = run("configure check");
  EXPECT_EQ(o.code, 1);
  EXPECT_EQ(o.out, read_golden("configure_check_broken"));
}

TEST_F(svcbgpc_test, down_shuts_the_daemon_down) {
  const auto o = run("down");
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "Shutdown requested\n");
  h_.sync();
  EXPECT_TRUE(h_.fake().shutdown_called);
}

TEST_F(svcbgpc_test, unknown_peer_exits_1) {
  const auto o = run("show protocols all nope");
  EXPECT_EQ(o.code, 1);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "svcbgpc: no such peer: nope\n");
  EXPECT_EQ(run("enable nope").code, 1);
}

TEST_F(svcbgpc_test, ambiguous_or_unknown_command_exits_2) {
  auto o = run("s s");
  EXPECT_EQ(o.code, 2);
  EXPECT_EQ(o.err, "svcbgpc: ambiguous \"s\" after \"show\": could be status, services\n");
  o = run("frobnicate");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("unknown command \"frobnicate\""), std::string::npos) << o.err;
  EXPECT_EQ(run_svcbgpc({"--bogus"}).code, 2);
}

TEST_F(svcbgpc_test, commands_from_stdin_without_a_terminal) {
  const auto o = run_svcbgpc({"-s", h_.socket()}, "show protocols\ns s\nquit\nshow status\n");
  EXPECT_EQ(o.out, read_golden("protocols"));
  EXPECT_NE(o.err.find("ambiguous"), std::string::npos);
}

TEST(svcbgpc_flags, help_lists_every_flag_and_exits_0) {
  const auto o = run_svcbgpc({"--help"});
  EXPECT_EQ(o.code, 0);
  for (const char* flag : {"--socket", "--json", "--version", "--help", "show protocols"}) {
    EXPECT_NE(o.out.find(flag), std::string::npos) << flag << " missing from:\n" << o.out;
  }
  EXPECT_EQ(o.err, "");
}

TEST(svcbgpc_flags, version_prints_the_project_version) {
  for (const char* flag : {"--version", "-V"}) {
    const auto o = run_svcbgpc({flag});
    EXPECT_EQ(o.code, 0);
    EXPECT_EQ(o.out, std::string("svcbgpc ") + SVCBGP_VERSION + "\n");
  }
}

TEST(svcbgpc_flags, unknown_flag_exits_2_naming_it) {
  const auto o = run_svcbgpc({"--colour", "show", "status"});
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(o.err.starts_with("svcbgpc: unknown option --colour\nusage: svcbgpc")) << o.err;
  EXPECT_EQ(o.out, "");
}

TEST(svcbgpc_tls, over_tcp_with_a_client_certificate) {
  // Issue 13: svcbgpc could not use the TCP admin port; the port took any client.
  admin_harness probe;  // only for its temporary directory
  if (!make_test_pki(probe.dir())) {
    GTEST_SKIP() << "openssl cannot make test certificates";
  }
  admin_harness h(tls_options(probe.dir()));
  h.start();
  const std::string target = "tls://127.0.0.1:" + std::to_string(h.server().tcp_port());
  const auto with = [&](const std::string& cert, std::vector<std::string> command) {
    std::vector<std::string> args{"-s",
                                  target,
                                  "--ca",
                                  probe.dir() + "/ca.pem",
                                  "--cert",
                                  probe.dir() + "/" + cert + ".pem",
                                  "--key",
                                  probe.dir() + "/" + cert + ".key",
                                  "--server-name",
                                  "localhost"};
    args.insert(args.end(), command.begin(), command.end());
    return run_svcbgpc(args);
  };
  auto o = with("client", {"disable", "tor1", "maintenance"});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "tor1: disabled\n");
  o = with("rogue", {"disable", "tor2"});
  EXPECT_EQ(o.code, 3) << o.out << o.err;
  using c = fake_control::call;
  EXPECT_EQ(h.fake().calls(), (std::vector<c>{{"disable", "tor1", "maintenance", false, false}}));
  o = run_svcbgpc({"-s", target, "show", "status"});
  EXPECT_EQ(o.code, 2);
  EXPECT_EQ(o.err, "svcbgpc: " + target + " needs --ca, --cert and --key\n");
  o = run_svcbgpc({"--cert", "x.pem", "show", "status"});
  EXPECT_EQ(o.code, 2);
  EXPECT_EQ(o.err, "svcbgpc: --ca, --cert and --key go with -s tls://HOST:PORT\n");
}

TEST(svcbgpc_unreachable, no_socket_exits_3) {
  const auto o = run_svcbgpc({"-s", "/nonexistent/svcbgpd.sock", "show", "status"});
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.err,
            "svcbgpc: cannot connect to svcbgpd at /nonexistent/svcbgpd.sock: no such file (is "
            "svcbgpd running?)\n");
}

TEST(svcbgpc_unreachable, stale_socket_exits_3) {
  admin_harness h;  // never started: a socket file with nobody listening
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", h.socket().c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
  const auto o = run_svcbgpc({"-s", h.socket(), "show", "status"});
  EXPECT_EQ(o.code, 3) << o.err;
  EXPECT_TRUE(o.err.starts_with("svcbgpc: cannot connect to svcbgpd at " + h.socket())) << o.err;
}

TEST(svcbgpc_unreachable, unreadable_socket_says_permission_denied) {
  admin_harness h;
  h.start();
  // The socket is 0600 and ours: anybody else is refused. As root, run svcbgpc as nobody.
  const uid_t other = ::geteuid() == 0 ? 65534 : 0;
  if (other == 0) {
    ASSERT_EQ(::chmod(h.socket().c_str(), 0), 0);
  }
  const auto o = run_svcbgpc({"-s", h.socket(), "show", "status"}, "", other);
  EXPECT_EQ(o.code, 3) << o.err;
  EXPECT_EQ(o.err, "svcbgpc: cannot connect to svcbgpd at " + h.socket() +
                       ": permission denied (the socket is mode 0600: run svcbgpc as root)\n");
}

}  // namespace
}  // namespace svcbgp::testing
