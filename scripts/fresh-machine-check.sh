#!/usr/bin/env bash
# The fresh-machine check: proves that a bare Debian 12 machine needs nothing but this checkout.
# In minimal Debian 12 roots made with mmdebstrap from the apt sources this machine is configured
# with (no mirror is written here), each entered with chroot and /proc, /sys, /dev bound:
#   release  ./scripts/build-release.sh: the image's build stage, build packages only
#   runtime  only the runtime packages configs/deploy/Dockerfile names, the two binaries from
#            "release": `svcbgpd --version` and `svcbgpd --check` on the example config, as uid 65534
#   setup    ./scripts/setup.sh, as a new user runs it (installs, builds)
#   suites   the unit and component suites of that build
#   demo     ./scripts/demo.sh there: the README's other command, as a new user runs it
# Each root holds a copy of the checkout and nothing beside it: a test that reads outside fails.
# Prints "fresh-machine: STEP: ok (N s)" or "FAILED" with the step's last lines, and writes a JUnit
# file (one case per step) for test.sh's count. Needs root. Usage:
#   ./scripts/fresh-machine-check.sh [JUNIT_FILE]
set -uo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
junit=${1:-}
work=$(mktemp -d /var/tmp/svcbgp-fresh.XXXXXX)
roots=()
results=()  # "name|status|seconds|message"

cleanup() {
  local r
  for r in "${roots[@]}"; do
    umount -R "$r" 2>/dev/null || umount -R -l "$r" 2>/dev/null
  done
  # Never remove through a mount that is still there: /dev and apt's cache are the host's own.
  if grep -q " $work/" /proc/self/mounts; then
    echo "fresh-machine: mounts under $work remain; not removing it"
  else
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT

write_junit() {
  [ -n "$junit" ] || return 0
  python3 - "$junit" "${results[@]}" <<'EOF'
import sys
from xml.sax.saxutils import escape, quoteattr
out, rows = sys.argv[1], [r.split("|", 3) for r in sys.argv[2:]]
fails = sum(1 for r in rows if r[1] != "ok")
with open(out, "w") as f:
    f.write(f'<testsuites><testsuite name="fresh_machine" tests="{len(rows)}" failures="{fails}">\n')
    for name, status, secs, msg in rows:
        f.write(f'<testcase classname="fresh_machine" name={quoteattr(name)} time="{secs}">')
        if status != "ok":
            f.write(f'<failure message={quoteattr(status)}>{escape(msg)}</failure>')
        f.write("</testcase>\n")
    f.write("</testsuite></testsuites>\n")
EOF
}

finish() {  # exit code
  write_junit
  exit "$1"
}

# Runs a step: name, then the command. Its output goes to $work/NAME.log.
step() {
  local name=$1 start=$SECONDS rc
  shift
  "$@" >"$work/$name.log" 2>&1
  rc=$?
  local secs=$((SECONDS - start))
  if ((rc == 0)); then
    echo "fresh-machine: $name: ok (${secs} s)"
    results+=("$name|ok|$secs|")
    return 0
  fi
  echo "fresh-machine: $name: FAILED (exit $rc, ${secs} s); its last lines:"
  tail -n 25 "$work/$name.log" | sed 's/^/  | /'
  results+=("$name|exit $rc|$secs|$(tail -n 25 "$work/$name.log")")
  return 1
}

if [ "$(id -u)" != 0 ]; then
  echo "fresh-machine: needs root (chroot, mounts)"
  results+=("roots|not root|0|needs root")
  finish 1
fi
command -v mmdebstrap >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
}

# The Debian archive entries of this machine's apt sources (other vendors' lists are left out:
# their keys are not in a bare root).
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  grep -Eq '^(URIs:|deb)[[:space:]].*://[^[:space:]]*/debian(-security)?/?([[:space:]]|$)' "$f" &&
    sources+=("$f")
done
if ((${#sources[@]} == 0)); then
  echo "fresh-machine: no Debian apt source configured on this machine"
  results+=("roots|no sources|0|no Debian apt source in /etc/apt")
  finish 1
fi

base="$work/base.tar"
step base mmdebstrap --variant=minbase --skip=check/signed-by bookworm "$base" "${sources[@]}" ||
  finish 1

# A new root from the base (in $root): what any real machine has beyond minbase (/etc/hosts, a resolver),
# services kept from starting inside a chroot, and apt's downloads shared between roots.
new_root() {
  local r="$work/$1"
  mkdir -p "$r"
  # The root a mount point of its own, as on a real machine: `ip netns` remounts / as a slave.
  mount --bind "$r" "$r"
  mount --make-private "$r"
  roots+=("$r")
  tar -C "$r" -xf "$base"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$r/etc/hosts"
  cp -L /etc/resolv.conf "$r/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
  chmod +x "$r/usr/sbin/policy-rc.d"
  mount -t proc proc "$r/proc"
  # Slaves: nothing unmounted in the root may reach the host's own /sys and /dev.
  mount --rbind /sys "$r/sys"
  mount --make-rslave "$r/sys"
  mount --rbind /dev "$r/dev"
  mount --make-rslave "$r/dev"
  mount --bind /var/cache/apt/archives "$r/var/cache/apt/archives"
  root=$r
}

# The checkout as a clone would have it: tracked and new files, no build folders.
copy_checkout() {
  mkdir -p "$1/src"
  if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$src" ls-files -z -co --exclude-standard | tar -C "$src" --null -T - -cf - |
      tar -C "$1/src" -xf -
  else
    tar -C "$src" --exclude='./build*' -cf - . | tar -C "$1/src" -xf -
  fi
}

in_root() {  # root, command
  local r=$1
  shift
  chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 /bin/bash -c "$*"
}

status=0

# release, then runtime
new_root release
release=$root
copy_checkout "$release"
if step release in_root "$release" "cd /src && ./scripts/build-release.sh /src/build-release"; then
  new_root runtime
  runtime=$root
  # The runtime stage's package list, as the Dockerfile names it.
  mapfile -t runtime_packages < <(python3 - configs/deploy/Dockerfile <<'PY'
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
stage = text[text.index(" AS runtime"):]
words = re.search(r"apt-get install ([^&]*)&&", stage).group(1).split()
print("\n".join(w for w in words if not w.startswith("-")))
PY
)
  install -m 0755 "$release/src/build-release/src/daemon/svcbgpd" \
    "$release/src/build-release/src/cli/svcbgpc" \
    "$release/src/build-release/src/kubectl_svcbgp/kubectl-svcbgp" "$runtime/usr/local/bin/"
  cp configs/svcbgpd.yaml "$runtime/tmp/svcbgpd.yaml"
  chmod 0644 "$runtime/tmp/svcbgpd.yaml"
  step runtime in_root "$runtime" "set -e
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${runtime_packages[*]}
    setpriv --reuid=65534 --regid=65534 --clear-groups svcbgpd --version
    setpriv --reuid=65534 --regid=65534 --clear-groups svcbgpc --version
    setpriv --reuid=65534 --regid=65534 --clear-groups kubectl-svcbgp --version
    NODE_NAME=node-1 setpriv --reuid=65534 --regid=65534 --clear-groups \
      svcbgpd --config /tmp/svcbgpd.yaml --check" || status=1
else
  status=1
fi

# setup, then unit
new_root setup
fresh=$root
copy_checkout "$fresh"
if step setup in_root "$fresh" "cd /src && ./scripts/setup.sh"; then
  step suites in_root "$fresh" "cd /src && meson test -C build --no-rebuild --print-errorlogs \
    --suite unit --suite component --num-processes $(nproc)" || status=1
  step demo in_root "$fresh" "cd /src && ./scripts/demo.sh" || status=1
else
  status=1
fi
finish $status
