// A bounded queue between the daemon's io thread (producer) and one WatchEvents stream (the gRPC
// thread that writes to the client).
//
// The producer never blocks and never grows the queue past `limit`: when the queue is full the
// consumer is declared too slow, the queue is emptied (freeing its memory) and every later push
// is ignored; the stream then ends with RESOURCE_EXHAUSTED. close() ends the stream from the
// server side (shutdown).
//
// Concurrency: push/close from any thread (the io thread in practice); pop from one consumer
// thread. One mutex; push holds it only to append.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace svcbgp::admin {

template <typename T>
class watch_queue {
 public:
  enum class state { open, overflowed, closed };

  explicit watch_queue(std::size_t limit) : limit_(limit) {}

  // Returns false when the element was not queued (overflow now or earlier, or closed). The first
  // push that finds the queue full returns false with `*overflowed_now` set.
  bool push(T item, bool* overflowed_now = nullptr) {
    std::lock_guard lock(mutex_);
    if (state_ != state::open) {
      return false;
    }
    if (items_.size() >= limit_) {
      state_ = state::overflowed;
      std::deque<T>().swap(items_);
      if (overflowed_now != nullptr) {
        *overflowed_now = true;
      }
      cv_.notify_all();
      return false;
    }
    items_.push_back(std::move(item));
    if (items_.size() > peak_) {
      peak_ = items_.size();
    }
    cv_.notify_one();
    return true;
  }

  void close() {
    std::lock_guard lock(mutex_);
    if (state_ == state::open) {
      state_ = state::closed;
    }
    cv_.notify_all();
  }

  // Waits up to `timeout` for an element. nullopt with status() != open: the stream is over;
  // nullopt with open: timed out.
  std::optional<T> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return !items_.empty() || state_ != state::open; });
    if (state_ != state::open || items_.empty()) {
      return std::nullopt;
    }
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  state status() const {
    std::lock_guard lock(mutex_);
    return state_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  // The most elements ever queued at once (never above the limit).
  std::size_t peak() const {
    std::lock_guard lock(mutex_);
    return peak_;
  }
  std::size_t limit() const { return limit_; }

 private:
  const std::size_t limit_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<T> items_;
  std::size_t peak_ = 0;
  state state_ = state::open;
};

}  // namespace svcbgp::admin
