# Debian 12 packages, by what needs them. Sourced by setup.sh, build-release.sh and
# fresh-machine-check.sh; the image's runtime packages are named in configs/deploy/Dockerfile.

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
  python3-yaml
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
