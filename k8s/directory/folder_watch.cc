#include "k8s/directory/folder_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <system_error>

namespace svcbgp::k8s {

namespace asio = boost::asio;

struct folder_watch::impl {
  impl(asio::io_context& io, std::string f, std::chrono::milliseconds s, std::function<void()> cb)
      : folder(std::move(f)), settle_time(s), on_change(std::move(cb)), events(io), settle(io) {}

  std::string folder;
  std::chrono::milliseconds settle_time;
  std::function<void()> on_change;
  asio::posix::stream_descriptor events;
  asio::steady_timer settle;
  bool settle_pending = false;
  bool stopped = false;
  std::array<char, 16 * 1024> buf{};

  void watch() {
    events.async_read_some(asio::buffer(buf), [this](boost::system::error_code ec, std::size_t) {
      if (ec || stopped) {
        return;
      }
      // Armed once per burst, not re-armed per event: a steady stream of changes is still seen
      // every settle_time instead of only when it stops.
      if (!settle_pending) {
        settle_pending = true;
        settle.expires_after(settle_time);
        settle.async_wait([this](boost::system::error_code e) {
          settle_pending = false;
          if (!e && !stopped) {
            on_change();
          }
        });
      }
      watch();
    });
  }
};

folder_watch::folder_watch(asio::io_context& io, std::string folder,
                           std::chrono::milliseconds settle, std::function<void()> on_change)
    : impl_(std::make_unique<impl>(io, std::move(folder), settle, std::move(on_change))) {}

folder_watch::~folder_watch() {
  stop();
}

void folder_watch::start() {
  auto& d = *impl_;
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    throw std::system_error(errno, std::system_category(), "inotify_init1");
  }
  const auto mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                    IN_DELETE_SELF | IN_MOVE_SELF;
  if (::inotify_add_watch(fd, d.folder.c_str(), mask) < 0) {
    const int err = errno;
    ::close(fd);
    throw std::system_error(err, std::system_category(), "cannot watch " + d.folder);
  }
  d.events.assign(fd);
  d.watch();
}

void folder_watch::stop() {
  auto& d = *impl_;
  d.stopped = true;
  boost::system::error_code ignored;
  d.events.close(ignored);
  d.settle.cancel();
}

}  // namespace svcbgp::k8s
