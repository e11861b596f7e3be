#!/usr/bin/env bash
# Builds svcbgp twice (normal, and with AddressSanitizer + UBSan), runs every suite, a short fuzz
# run, and prints "tests: N passed, N failed, N skipped". Needs root for the interop suite (network
# namespaces); run ./scripts/setup.sh once first.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
logs=()
status=0

run_suites() {  # build dir, then meson test arguments
  local dir=$1
  shift
  meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes "$jobs" "$@" || status=1
  logs+=("$dir/meson-logs/testlog.junit.xml")
  cp "$dir/meson-logs/testlog.junit.xml" "$dir/meson-logs/testlog-$(echo "$@" | tr -c 'a-z0-9' '_').junit.xml"
}

[ -d build ] || meson setup build --buildtype=debugoptimized
[ -d build-asan ] || meson setup build-asan -Dsanitize=true -Db_lundef=false
ninja -C build || exit 1
ninja -C build-asan || exit 1

run_suites build --suite unit --suite component
run_suites build --suite interop
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_suites build-asan --suite unit --suite component

# A short libFuzzer run over the BGP decoder (clang).
if [ -f fuzz/meson.build ] && command -v clang++ >/dev/null; then
  [ -d build-fuzz ] || CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dwerror=false >/dev/null
  if ninja -C build-fuzz fuzz/bgp_decode_fuzz >/dev/null; then
    run_suites build-fuzz --suite fuzz
  else
    echo "fuzz build failed"; status=1
  fi
fi

python3 scripts/count_tests.py build/meson-logs/testlog-*.junit.xml build-asan/meson-logs/testlog-*.junit.xml \
  $( [ -d build-fuzz ] && ls build-fuzz/meson-logs/testlog-*.junit.xml 2>/dev/null ) || status=1
exit $status
