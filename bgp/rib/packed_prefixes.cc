#include "bgp/rib/packed_prefixes.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <utility>

namespace svcbgp::bgp {

void packed_prefixes::push_back(const prefix& p) {
  if (width_ == 0) {
    width_ = width_of(p.addr.v6);
  }
  assert(width_ == width_of(p.addr.v6));
  const std::size_t address_bytes = width_ - 1;
  // An IPv4 address is its first 4 bytes; the rest are zero (ip.h), so nothing is lost.
  assert(std::all_of(p.addr.bytes.begin() + static_cast<std::ptrdiff_t>(address_bytes),
                     p.addr.bytes.end(), [](std::uint8_t b) { return b == 0; }));
  const auto* a = p.addr.bytes.data();
  bytes_.insert(bytes_.end(), a, a + address_bytes);
  bytes_.push_back(p.length);
}

void packed_prefixes::reserve(std::size_t n, bool v6) {
  if (width_ == 0) {
    width_ = width_of(v6);
  }
  assert(width_ == width_of(v6));
  bytes_.reserve(bytes_.size() + n * width_);
}

void packed_prefixes::erase_front(std::size_t n) {
  bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(n * width_));
}

namespace {

// LSD radix sort of n entries of W bytes, one pass per key byte; a byte equal in every entry (most
// of them, for IPv4 host routes) costs no pass. A whole table becomes pending at session up, and a
// comparison sort of it was most of the time before the first UPDATE (P2). W is a constant so
// each entry moves as one fixed-size copy.
template <std::size_t W>
void radix_sort(std::uint8_t* first, std::size_t n) {
  std::vector<std::array<std::uint32_t, 256>> counts(W);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < W; ++k) {
      ++counts[k][first[i * W + k]];
    }
  }
  std::vector<std::uint8_t> buffer(n * W);
  std::uint8_t* src = first;
  std::uint8_t* dst = buffer.data();
  for (std::size_t k = W; k-- > 0;) {
    auto& count = counts[k];
    if (std::find(count.begin(), count.end(), n) != count.end()) {
      continue;  // every entry has the same byte here
    }
    std::uint32_t sum = 0;
    for (auto& c : count) {
      sum += std::exchange(c, sum);
    }
    for (std::size_t i = 0; i < n; ++i) {
      std::memcpy(dst + std::size_t{count[src[i * W + k]]++} * W, src + i * W, W);
    }
    std::swap(src, dst);
  }
  if (src != first) {
    std::memcpy(first, src, n * W);
  }
}

// Merges the sorted runs [0, mid) and [mid, n) of `bytes`.
template <std::size_t W>
void merge(std::vector<std::uint8_t>& bytes, std::size_t mid, std::size_t n) {
  std::vector<std::uint8_t> merged(n * W);
  const std::uint8_t* a = bytes.data();
  const std::uint8_t* a_end = a + mid * W;
  const std::uint8_t* b = a_end;
  const std::uint8_t* b_end = a + n * W;
  std::uint8_t* out = merged.data();
  while (a != a_end || b != b_end) {
    const bool take_a = b == b_end || (a != a_end && std::memcmp(a, b, W) <= 0);
    const std::uint8_t*& run = take_a ? a : b;
    std::memcpy(out, run, W);
    run += W;
    out += W;
  }
  bytes.swap(merged);
}

// For the few entries of a single change, where the passes and buffers of the radix sort would
// cost more than the sort.
template <std::size_t W>
void insertion_sort(std::uint8_t* first, std::size_t n) {
  std::array<std::uint8_t, W> e{};
  for (std::size_t i = 1; i < n; ++i) {
    std::memcpy(e.data(), first + i * W, W);
    std::size_t j = i;
    for (; j > 0 && std::memcmp(first + (j - 1) * W, e.data(), W) > 0; --j) {
      std::memcpy(first + j * W, first + (j - 1) * W, W);
    }
    std::memcpy(first + j * W, e.data(), W);
  }
}

template <std::size_t W>
void sort_tail(std::vector<std::uint8_t>& bytes, std::size_t from, std::size_t total) {
  if (total - from < 64) {
    insertion_sort<W>(bytes.data() + from * W, total - from);
  } else {
    radix_sort<W>(bytes.data() + from * W, total - from);
  }
  if (from > 0) {
    merge<W>(bytes, from, total);
  }
}

}  // namespace

void packed_prefixes::sort_tail(std::size_t from) {
  const std::size_t total = size();
  if (from >= total) {
    return;
  }
  if (width_ == 5) {
    bgp::sort_tail<5>(bytes_, from, total);
  } else {
    bgp::sort_tail<17>(bytes_, from, total);
  }
}

}  // namespace svcbgp::bgp
