#!/usr/bin/env bash
# Installs every Debian 12 package svcbgp needs (build, tests, real BGP daemons) and builds it.
# Run as root: ./scripts/setup.sh
#   --build-only  only the packages a release build of svcbgpd and svcbgpc takes; no build
#                 (scripts/build-release.sh, the image's build stage)
set -euo pipefail
cd "$(dirname "$0")/.."

# A release build of svcbgpd and svcbgpc, nothing else (build-release.sh, the image's build stage).
build_packages=(
  g++ meson ninja-build pkg-config python3
  libboost1.81-dev libboost-system1.81-dev libboost-json1.81-dev libfmt-dev libyaml-cpp-dev
  libspdlog-dev libssl-dev libnl-3-dev libnl-route-3-dev libprotobuf-dev protobuf-compiler
  libgrpc++-dev protobuf-compiler-grpc libedit-dev
)

# Tests, sanitizers, fuzzing and benchmarks (setup.sh).
test_packages=(
  clang libclang-rt-14-dev clang-format libgtest-dev libgmock-dev libbenchmark-dev git
  python3-yaml python3-jsonschema  # the fake API server; CRD schemas checked against what is written
  # tools the tests call: ip and netns, sysctl, packet captures, test certificates
  iproute2 procps tcpdump openssl
  # the real BGP daemons the interop suite peers with
  bird2 frr gobgpd exabgp
)

# Installs what of "$@" is not installed yet (as root).
install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

if [ "${1:-}" = --build-only ]; then
  install_missing "${build_packages[@]}"
  exit 0
fi

packages=("${build_packages[@]}" "${test_packages[@]}")
# The deploy test renders the kustomization with `kubectl kustomize`; any kubectl will do, and a
# machine that has one from elsewhere (Google's package) cannot take Debian's beside it.
command -v kubectl >/dev/null || packages+=(kubernetes-client)
install_missing "${packages[@]}"
# The daemons' packages may start system services; tests run their own instances in namespaces.
for s in bird frr gobgpd exabgp; do
  systemctl disable --now "$s" >/dev/null 2>&1 || true
done

[ -d build ] || meson setup build --buildtype=debugoptimized
ninja -C build
