#!/usr/bin/env bash
# The demo (run as root on Debian 12): installs and builds svcbgp if needed, then runs svcbgpd on
# a "node" network namespace with the directory source over configs/demo/cluster, peering with a
# real BIRD 2 ToR in a second namespace. Prints the ToR's routes, then moves endpoints and shows
# the routes move. Everything is removed at the end (Ctrl-C included).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ ! -x build/src/daemon/svcbgpd ]; then
  ./scripts/setup.sh
fi
ninja -C build src/daemon/svcbgpd src/cli/svcbgpc >/dev/null

work=$(mktemp -d /tmp/svcbgp-demo.XXXXXX)
chmod 755 "$work"
tor=svcbgp-demo-tor
node=svcbgp-demo-node
svcbgpd_pid=""
cleanup() {
  set +e
  [ -n "$svcbgpd_pid" ] && kill "$svcbgpd_pid" 2>/dev/null && wait "$svcbgpd_pid" 2>/dev/null
  [ -f "$work/bird.pid" ] && kill "$(cat "$work/bird.pid")" 2>/dev/null
  ip netns del "$tor" 2>/dev/null
  ip netns del "$node" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

ip netns del "$tor" 2>/dev/null || true
ip netns del "$node" 2>/dev/null || true
ip netns add "$tor"
ip netns add "$node"
ip link add v-demo-tor type veth peer name v-demo-node
ip link set v-demo-tor netns "$tor"
ip link set v-demo-node netns "$node"
ip -n "$tor" addr add 10.99.200.1/24 dev v-demo-tor
ip -n "$node" addr add 10.99.200.2/24 dev v-demo-node
ip -n "$tor" addr add fd99:200::1/64 dev v-demo-tor nodad
ip -n "$node" addr add fd99:200::2/64 dev v-demo-node nodad
for n in "$tor" "$node"; do ip -n "$n" link set lo up; done
ip -n "$tor" link set v-demo-tor up
ip -n "$node" link set v-demo-node up

cat > "$work/bird.conf" <<BIRD
router id 10.99.200.1;
protocol device {}
# The ToR of docs/routers.md: nodes come from a range (BIRD names them node1, node2, ...) and
# connect themselves; svcbgpd never listens (its default).
protocol bgp nodes {
  description "the rack's nodes (svcbgpd)";
  local 10.99.200.1 as 65000;
  neighbor range 10.99.200.0/24 external;
  dynamic name "node";
  graceful restart on;
  hold time 9;
  connect retry time 1;
  error wait time 1, 5;
  ipv4 { import all; import limit 1000 action restart; export none; gateway direct; };
  ipv6 { import all; import limit 1000 action restart; export none; gateway direct; extended next hop off; };
}
BIRD
ip netns exec "$tor" bird -c "$work/bird.conf" -s "$work/bird.ctl" -P "$work/bird.pid"
birdc() { ip netns exec "$tor" birdc -s "$work/bird.ctl" "$@"; }

mkdir -p "$work/cluster" "$work/run"
cp configs/demo/cluster/*.yaml "$work/cluster/"
export SVCBGP_DEMO_CLUSTER="$work/cluster" SVCBGP_DEMO_RUN="$work/run"
ip netns exec "$node" "$root/build/src/daemon/svcbgpd" --config configs/demo/svcbgpd.yaml \
  2>"$work/svcbgpd.log" &
svcbgpd_pid=$!

# Waits (bounded) until BIRD's table has `want` routes.
wait_routes() {
  local want=$1
  for _ in $(seq 1 100); do
    local n
    n=$(birdc show route count 2>/dev/null | awk '/^Total:/ {print $2}')
    [ "${n:-0}" = "$want" ] && return 0
    sleep 0.1
  done
  echo "BIRD did not reach $want routes; svcbgpd log:"; tail -20 "$work/svcbgpd.log"; return 1
}

[ "${SVCBGP_DEMO_DEBUG:-}" ] && { birdc show route count; birdc show route; }
echo "== svcbgpd on demo-node peers with a BIRD 2 ToR (AS 65000) =="
wait_routes 6
birdc show protocols
echo
echo "== The ToR's table: ClusterIP aggregate, LoadBalancer IPs (Cluster and Local policy),"
echo "== the allowed ExternalIP (203.0.113.5 is outside the allowed CIDRs, cache's endpoint is"
echo "== on another node, db is headless: none of those is announced) =="
birdc show route all
echo
echo "== The same from svcbgpd's side, with svcbgpc (birdc-style) =="
svcbgpc() { "$root/build/src/cli/svcbgpc" -s "$work/run/svcbgpd.sock" "$@"; }
svcbgpc show protocols
echo
svcbgpc show services
echo
echo "== A change: api's endpoints move from demo-node to node-2; cache's move to demo-node =="
sed -i 's/nodeName: demo-node/nodeName: node-2/' "$work/cluster/api.yaml"
sed -i 's/nodeName: node-2/nodeName: demo-node/' "$work/cluster/cache.yaml"
for _ in $(seq 1 100); do
  birdc show route 198.51.100.12/32 2>/dev/null | grep -q 198.51.100.12 && break
  sleep 0.1
done
wait_routes 5
birdc show route
echo
echo "== svcbgpd's log =="
cat "$work/svcbgpd.log"
