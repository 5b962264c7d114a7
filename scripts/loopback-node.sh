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
exec "$node" "$@" --listen-addr /ip4/127.0.0.1/tcp/0 --no-mdns --no-prometheus --no-telemetry
