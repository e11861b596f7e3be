// A list of prefixes of one family, each packed as its sort key: the family's address bytes, then
// the length. 5 bytes an IPv4 entry instead of the 18 of a `prefix`: an Adj-RIB-Out's pending
// lists hold the whole table at session up or after a relist, for every peer at once (P3).
//
// Within a family the packed order is the order of `prefix` (address bytes, then length), so
// sorting and merging work on the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bgp/codec/ip.h"

namespace svcbgp::bgp {

class packed_prefixes {
 public:
  std::size_t size() const { return width_ == 0 ? 0 : bytes_.size() / width_; }
  bool empty() const { return bytes_.empty(); }
  // Inline: draining reads every entry once, and a call per entry was a fifth of it.
  prefix operator[](std::size_t i) const {
    const std::uint8_t* e = at(i);
    prefix p;
    p.addr.v6 = width_ == 17;
    if (p.addr.v6) {
      std::memcpy(p.addr.bytes.data(), e, 16);
    } else {
      std::memcpy(p.addr.bytes.data(), e, 4);
    }
    p.length = e[width_ - 1];
    return p;
  }

  // Every entry must be of the family of the first.
  void push_back(const prefix& p);
  // Room for `n` more entries of the family (IPv6 or IPv4) the list holds or will hold.
  void reserve(std::size_t n, bool v6);
  void erase_front(std::size_t n);
  // Sorts [from, size()) and merges it into [0, from), which must be sorted; equal entries end up
  // adjacent.
  void sort_tail(std::size_t from);
  // Drops adjacent duplicates and the entries for which keep(prefix) is false.
  template <typename Keep>
  void filter_unique(Keep keep);
  // Empties the list and returns its memory.
  void release() {
    bytes_ = {};
    width_ = 0;
  }

 private:
  static std::size_t width_of(bool v6) { return v6 ? 17 : 5; }
  const std::uint8_t* at(std::size_t i) const { return bytes_.data() + i * width_; }

  std::size_t width_ = 0;  // 0 until the first entry fixes the family
  std::vector<std::uint8_t> bytes_;
};

template <typename Keep>
void packed_prefixes::filter_unique(Keep keep) {
  std::size_t out = 0;
  for (std::size_t i = 0, n = size(); i < n; ++i) {
    const std::uint8_t* e = at(i);
    if (out > 0 && std::equal(e, e + width_, at(out - 1))) {
      continue;
    }
    if (!keep((*this)[i])) {
      continue;
    }
    std::copy(e, e + width_, bytes_.data() + out * width_);
    ++out;
  }
  bytes_.resize(out * width_);
}

}  // namespace svcbgp::bgp
