// The BFD control packet: exact bytes both ways (RFC 5880 §4.1) and each check of §6.8.6.
#include "bgp/bfd/packet.h"

#include <gtest/gtest.h>

#include <vector>

namespace svcbgp::bgp::bfd {
namespace {

// What FRR's bfdd sends first: version 1, Down, no diag, Detect Mult 3, My Discriminator 1, Your
// Discriminator 0, 1 s desired TX (not Up yet), 300 ms required RX, 50 ms echo RX.
const std::vector<std::uint8_t> frr_down = {0x20, 0x40, 0x03, 0x18, 0x00, 0x00, 0x00, 0x01,
                                            0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x42, 0x40,
                                            0x00, 0x04, 0x93, 0xe0, 0x00, 0x00, 0xc3, 0x50};

TEST(bfd_packet, decodes_and_encodes_the_fixed_part_byte_for_byte) {
  auto p = decode(frr_down);
  ASSERT_TRUE(p.has_value()) << to_string(p.error());
  EXPECT_EQ(p->sta, state::down);
  EXPECT_EQ(p->diagnostic, diag::none);
  EXPECT_EQ(p->detect_mult, 3);
  EXPECT_EQ(p->my_discriminator, 1u);
  EXPECT_EQ(p->your_discriminator, 0u);
  EXPECT_EQ(p->desired_min_tx_us, 1'000'000u);
  EXPECT_EQ(p->required_min_rx_us, 300'000u);
  EXPECT_EQ(p->required_min_echo_rx_us, 50'000u);
  const auto bytes = encode(*p);
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), frr_down);
}

TEST(bfd_packet, flags_state_and_diag_in_their_bits) {
  control_packet p;
  p.sta = state::up;
  p.diagnostic = diag::neighbor_signaled_session_down;
  p.poll = true;
  p.demand = true;
  p.control_plane_independent = true;
  p.my_discriminator = 0x01020304;
  p.your_discriminator = 0x0a0b0c0d;
  const auto b = encode(p);
  EXPECT_EQ(b[0], 0x23);  // version 1, diag 3
  EXPECT_EQ(b[1], 0xea);  // Up (3 << 6) | P | C | D
  EXPECT_EQ(b[3], 24);
  EXPECT_EQ(decode(b).value(), p);
  p.poll = false;
  p.final = true;
  EXPECT_EQ(encode(p)[1], 0xda);
}

std::vector<std::uint8_t> with(std::size_t at, std::uint8_t v,
                               std::vector<std::uint8_t> b = frr_down) {
  b[at] = v;
  return b;
}

TEST(bfd_packet, every_discard_of_6_8_6_in_its_order) {
  EXPECT_EQ(decode(std::vector<std::uint8_t>(frr_down.begin(), frr_down.end() - 1)).error(),
            discard::truncated);
  EXPECT_EQ(decode(with(0, 0x40)).error(), discard::bad_version);  // version 2
  EXPECT_EQ(decode(with(3, 23)).error(), discard::bad_length);
  EXPECT_EQ(decode(with(3, 25)).error(), discard::bad_length);  // longer than what arrived
  EXPECT_EQ(decode(with(2, 0)).error(), discard::zero_detect_mult);
  EXPECT_EQ(decode(with(1, 0x41)).error(), discard::multipoint);
  EXPECT_EQ(decode(with(7, 0)).error(), discard::zero_my_discriminator);
  EXPECT_EQ(decode(with(1, 0xc0)).error(), discard::zero_your_discriminator);  // Up, Your 0
  EXPECT_EQ(decode(with(1, 0x80)).error(), discard::zero_your_discriminator);  // Init, Your 0
  EXPECT_TRUE(decode(with(1, 0x00)).has_value());                              // AdminDown, Your 0
  // The A bit: length 24 is then too short (§6.8.6 wants the auth section), 26 is refused.
  auto auth = with(1, 0x44);
  EXPECT_EQ(decode(auth).error(), discard::bad_length);
  auth[3] = 26;
  auth.push_back(1);
  auth.push_back(2);
  EXPECT_EQ(decode(auth).error(), discard::authentication);
  EXPECT_EQ(decode(with(1, 0x70)).error(), discard::poll_and_final);
  // Bytes past Length (padding a sender added) are ignored.
  auto padded = frr_down;
  padded.push_back(0xff);
  EXPECT_TRUE(decode(padded).has_value());
}

TEST(bfd_packet, names) {
  EXPECT_EQ(to_string(state::admin_down), "AdminDown");
  EXPECT_EQ(to_string(diag::control_detection_time_expired), "Control Detection Time Expired");
  EXPECT_EQ(to_string(static_cast<diag>(31)), "Reserved");
  EXPECT_EQ(to_string(discard::authentication), "authentication");
}

}  // namespace
}  // namespace svcbgp::bgp::bfd
