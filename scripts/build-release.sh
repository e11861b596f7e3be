#!/usr/bin/env bash
# A release build of svcbgpd, svcbgpc and kubectl-svcbgp only, with only the packages that takes (the image's
# build stage; the fresh-machine check runs it in a bare Debian 12 root).
# Usage, as root: ./scripts/build-release.sh [BUILD_DIR]   (default build-release)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-release}

./scripts/setup.sh --build-only
[ -d "$dir" ] || meson setup "$dir" --buildtype=release -Dtests=false
ninja -C "$dir" src/daemon/svcbgpd src/cli/svcbgpc src/kubectl_svcbgp/kubectl-svcbgp
