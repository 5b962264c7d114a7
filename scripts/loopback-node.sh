#!/usr/bin/env bash
# substrate-contracts-node with its networking confined to this machine's loopback: p2p on
# 127.0.0.1 only, no mDNS multicast, no Prometheus endpoint (parallel nodes would fight over
# its fixed port), no telemetry. RPC stays on 127.0.0.1 as the node's default. Takes the node's
# own arguments; ink_e2e's node backend runs it as $CONTRACTS_NODE (see scripts/e2e.sh).
# Env: CONTRACTS_NODE_BIN, the real binary (default: substrate-contracts-node on PATH).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
node="$(contracts_node)" || {
  echo "loopback-node: no substrate-contracts-node (scripts/install-node.sh installs it)" >&2
  exit 127
}
# The node refuses `--port` beside `--listen-addr`, and ink_e2e passes `--port=0`: a p2p port given
# either way becomes the port of the loopback listen address.
p2p_port=0
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port=*) p2p_port="${1#--port=}"; shift ;;
    --port) p2p_port="${2:?--port needs a value}"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
exec "$node" ${args[@]+"${args[@]}"} --listen-addr "/ip4/127.0.0.1/tcp/$p2p_port" \
  --no-mdns --no-prometheus --no-telemetry
