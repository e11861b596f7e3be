#!/usr/bin/env bash
# Installs what is missing (scripts/setup.sh), builds svcbgp twice (normal, and with
# AddressSanitizer + UBSan), runs every suite and a short fuzz run, then the fresh-machine check
# (scripts/fresh-machine-check.sh: set-up, image build and unit suite in bare Debian 12 roots;
# SVCBGP_FRESH_CHECK=0 leaves it out), and prints "tests: N passed, N failed, N skipped".
# Needs root (packages, network namespaces, chroot).
set -uo pipefail
cd "$(dirname "$0")/.."
if ! ./scripts/setup.sh; then
  echo "setup failed"
  echo "tests: 0 passed, 1 failed"
  exit 1
fi
jobs=$(nproc)
status=0
# The fake API server's 100k-object load check is a benchmark (bench/), not a test.
export SVCBGP_SKIP_LOAD_TEST=${SVCBGP_SKIP_LOAD_TEST:-1}

run_suites() {  # build dir, then meson test arguments
  local dir=$1
  shift
  meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes "$jobs" "$@" || status=1
  cp "$dir/meson-logs/testlog.junit.xml" "$dir/meson-logs/testlog-$(echo "$@" | tr -c 'a-z0-9' '_').junit.xml"
}

[ -d build ] || meson setup build --buildtype=debugoptimized
[ -d build-asan ] || meson setup build-asan -Dsanitize=true -Db_lundef=false
if ! ninja -C build || ! ninja -C build-asan; then
  echo "build failed"
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

run_suites build --suite unit --suite component
# Interop and end-to-end suites use their own namespaces and subnets, so they run side by side.
run_suites build --suite interop --suite e2e
# Under the sanitizers: the C++ suites (the Python-driven ones exercise no sanitized code).
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run_suites build-asan --suite unit --suite component --no-suite python

# Short libFuzzer runs over the BGP decoder and the watch decoder with the object parsers (clang).
if [ -f fuzz/meson.build ] && command -v clang++ >/dev/null; then
  [ -d build-fuzz ] || CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dwerror=false >/dev/null
  if ninja -C build-fuzz fuzz/bgp_decode_fuzz fuzz/k8s_watch_fuzz fuzz/bfd_decode_fuzz >/dev/null; then
    run_suites build-fuzz --suite fuzz
  else
    echo "fuzz build failed"; status=1
  fi
fi

# Last, alone on the cores: it builds svcbgp twice more, in fresh roots.
fresh=build/meson-logs/testlog-fresh_machine.junit.xml
rm -f "$fresh"
if [ "${SVCBGP_FRESH_CHECK:-1}" != 0 ]; then
  start=$SECONDS
  ./scripts/fresh-machine-check.sh "$fresh" || status=1
  echo "fresh-machine check: $((SECONDS - start)) s"
fi

python3 scripts/count_tests.py build/meson-logs/testlog-*.junit.xml build-asan/meson-logs/testlog-*.junit.xml \
  $( [ -d build-fuzz ] && ls build-fuzz/meson-logs/testlog-*.junit.xml 2>/dev/null ) || status=1
exit $status
