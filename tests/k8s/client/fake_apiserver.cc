#include "fake_apiserver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace svcbgp::k8s::testing {

namespace {

std::string server_script() {
  const char* p = std::getenv("SVCBGP_FAKE_APISERVER");
  return p != nullptr ? p : "tests/fake_apiserver/fake_apiserver.py";
}

std::string str(const boost::json::value& v, const char* key) {
  const auto* o = v.if_object();
  if (o == nullptr) {
    return {};
  }
  const auto* f = o->if_contains(key);
  return f != nullptr && f->is_string() ? std::string(f->get_string()) : std::string();
}

}  // namespace

fake_apiserver::fake_apiserver(std::vector<std::string> args) {
  int out[2];
  int in[2];
  if (::pipe(out) != 0 || ::pipe(in) != 0) {
    error_ = "pipe failed";
    return;
  }
  std::vector<std::string> argv = {"python3", server_script(), "--exit-on-stdin-eof"};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    ::dup2(in[0], 0);
    ::close(out[0]);
    ::close(out[1]);
    ::close(in[0]);
    ::close(in[1]);
    std::vector<char*> cargv;
    for (auto& a : argv) {
      cargv.push_back(a.data());
    }
    cargv.push_back(nullptr);
    ::execvp("python3", cargv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(in[0]);
  stdin_fd_ = in[1];
  // The ready line, bounded by 60 s.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{out[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      error_ = "fake API server not ready within 60 s";
      break;
    }
    char buf[4096];
    auto n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) {
      error_ = "fake API server exited before its ready line";
      break;
    }
    line.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  if (!error_.empty()) {
    return;
  }
  boost::json::error_code ec;
  auto ready = boost::json::parse(line.substr(0, line.find('\n')), ec);
  if (ec) {
    error_ = "bad ready line: " + line;
    return;
  }
  url = str(ready, "url");
  ca = str(ready, "ca");
  token = str(ready, "token");
  kubeconfig = str(ready, "kubeconfig");
  client_cert = str(ready, "client_cert");
  client_key = str(ready, "client_key");
  port = static_cast<std::uint16_t>(ready.at("port").to_number<int>());
  control_port = static_cast<std::uint16_t>(ready.at("control_port").to_number<int>());
}

fake_apiserver::~fake_apiserver() {
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    // A fake that does not exit must not hang the test binary (seen about one run in ten under
    // ASan: the server's shutdown waited forever); after 5 s it is killed, and says so.
    int status = 0;
    for (int i = 0; i < 500 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      ::usleep(10'000);
    }
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      std::fprintf(stderr, "fake API server %d ignored SIGTERM for 5 s: killed\n", pid_);
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
}

boost::json::value fake_apiserver::call(const std::string& method, const std::string& path,
                                        const boost::json::value& body) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(control_port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    ADD_FAILURE() << "control connect failed";
    return nullptr;
  }
  std::string payload = body.is_null() ? std::string() : boost::json::serialize(body);
  std::string req =
      method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
      "Content-Type: application/json\r\nContent-Length: " + std::to_string(payload.size()) +
      "\r\n\r\n" + payload;
  for (std::size_t off = 0; off < req.size();) {
    auto n = ::write(fd, req.data() + off, req.size() - off);
    if (n <= 0) {
      break;
    }
    off += static_cast<std::size_t>(n);
  }
  std::string resp;
  char buf[8192];
  for (;;) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    resp.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto split = resp.find("\r\n\r\n");
  if (split == std::string::npos) {
    ADD_FAILURE() << "control " << method << " " << path << ": no answer";
    return nullptr;
  }
  if (resp.compare(0, 12, "HTTP/1.1 200") != 0 && resp.compare(0, 12, "HTTP/1.0 200") != 0) {
    ADD_FAILURE() << "control " << method << " " << path << ": " << resp;
  }
  boost::json::error_code ec;
  auto v = boost::json::parse(resp.substr(split + 4), ec);
  if (ec) {
    ADD_FAILURE() << "control " << method << " " << path << ": bad JSON " << resp;
    return nullptr;
  }
  return v;
}

boost::json::array fake_apiserver::requests(const std::string& filter, std::uint64_t since,
                                            double wait_s) {
  auto v =
      call("GET", "/requests?since=" + std::to_string(since) + "&wait=" + std::to_string(wait_s) +
                      (filter.empty() ? "" : "&" + filter));
  if (!v.is_array()) {
    return {};
  }
  return v.get_array();
}

}  // namespace svcbgp::k8s::testing
