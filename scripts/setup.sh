#!/usr/bin/env bash
# Installs every Debian 12 package svcbgp needs (build, tests, real BGP daemons) and builds it.
# Run as root: ./scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh

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
