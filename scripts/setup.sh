#!/usr/bin/env bash
# Installs every Debian 12 package svcbgp needs (build, tests, real BGP daemons) and builds it.
# Run as root: ./scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # build
  g++ clang meson ninja-build pkg-config python3 python3-yaml
  libboost1.81-dev libboost-system1.81-dev libboost-json1.81-dev libfmt-dev libyaml-cpp-dev
  libssl-dev libnl-3-dev libnl-route-3-dev libprotobuf-dev protobuf-compiler libgrpc++-dev
  protobuf-compiler-grpc libedit-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libclang-rt-14-dev clang-format iproute2 tcpdump
  # the real BGP daemons the interop suite peers with
  bird2 frr gobgpd exabgp
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The daemons' packages may start system services; tests run their own instances in namespaces.
for s in bird frr gobgpd exabgp; do
  systemctl disable --now "$s" >/dev/null 2>&1 || true
done

[ -d build ] || meson setup build --buildtype=debugoptimized
ninja -C build
