// A bounded cursor over peer bytes, private to the codec.
//
// Every read is bounds-checked and returns std::nullopt when the bytes are not there; a read past
// the end consumes nothing. Nested fields are read through sub-readers (`get_sub`), so that a
// length field can never make a parser run past the field it describes. `offset()` is relative to
// the start of the message, for error reports. OpenBGPD's ibuf_get_* is the model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace svcbgp::bgp::detail {

class reader {
 public:
  reader() = default;
  // `base` is the offset of data[0] from the start of the message.
  explicit reader(std::span<const std::uint8_t> data, std::size_t base = 0)
      : data_(data), base_(base) {}

  std::size_t offset() const { return base_ + pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ == data_.size(); }
  // The unread bytes.
  std::span<const std::uint8_t> rest() const { return data_.subspan(pos_); }

  std::optional<std::uint8_t> peek_u8() const {
    if (remaining() < 1) {
      return std::nullopt;
    }
    return data_[pos_];
  }
  std::optional<std::uint8_t> get_u8() {
    if (remaining() < 1) {
      return std::nullopt;
    }
    return data_[pos_++];
  }
  std::optional<std::uint16_t> get_u16() {
    if (remaining() < 2) {
      return std::nullopt;
    }
    auto v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::optional<std::uint32_t> get_u32() {
    if (remaining() < 4) {
      return std::nullopt;
    }
    std::uint32_t v = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
                      (std::uint32_t{data_[pos_ + 2]} << 8) | std::uint32_t{data_[pos_ + 3]};
    pos_ += 4;
    return v;
  }
  std::optional<std::span<const std::uint8_t>> get_bytes(std::size_t n) {
    if (remaining() < n) {
      return std::nullopt;
    }
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  // Consumes the next n bytes and returns a reader over exactly them.
  std::optional<reader> get_sub(std::size_t n) {
    if (remaining() < n) {
      return std::nullopt;
    }
    reader sub(data_.subspan(pos_, n), offset());
    pos_ += n;
    return sub;
  }
  // Consumes everything left and returns a reader over it.
  reader get_rest() {
    reader sub(rest(), offset());
    pos_ = data_.size();
    return sub;
  }
  bool skip(std::size_t n) {
    if (remaining() < n) {
      return false;
    }
    pos_ += n;
    return true;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
};

}  // namespace svcbgp::bgp::detail
