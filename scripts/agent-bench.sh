#!/usr/bin/env bash
# The agents' sustained rate on a local substrate-contracts-node, written to BENCHMARKS.md's
# "agents" section: scripts/node-soak.sh (every actor, with its faults and checks) for MINUTES
# at each rate in RATES batches per minute; a row per rate with the end-to-end rate (batches
# enqueued over the seconds until every one was validated or fell back) and the inclusion
# latency of the agents' calls.
# Usage: scripts/agent-bench.sh      Env: MINUTES [2], RATES ["30 60 120 240"]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
MINUTES="${MINUTES:-2}"
RATES="${RATES:-30 60 120 240}"
contracts_node >/dev/null || { echo "agent-bench: no substrate-contracts-node (scripts/install-node.sh)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
: >"$work/rows.md"
for rate in $RATES; do
  echo "==> node-soak.sh $MINUTES $rate"
  # The steady rate alone: no backlog before the run (the soak's own check of one).
  BACKLOG=0 BENCH_ROWS="$work/rows.md" bash scripts/node-soak.sh "$MINUTES" "$rate" | tail -n 4 || true
done
cat >"$work/section.md" <<MD
## Agents on a live node (scripts/agent-bench.sh, $(date -u +%Y-%m-%d), $(nproc) cores)

substrate-contracts-node 0.41.0 (--dev: a block per extrinsic) on the same machine as the
submitter, both network agents and the auditor's follower, with a real Prometheus scraping them;
the faults of scripts/node-soak.sh in every run: the agents reach the node through
scripts/rpc-fault-proxy.py (10% of extrinsic submissions dropped, 3% of answers delayed up to
5 s), the follower and Fermah's agent killed and restarted, the node stopped for 20 s. The submissions-per-block
capacity of the contract is in the contract section; a dev node seals each extrinsic alone, so
this measures the agents' round trips, not block capacity.

| batches/min offered | batches | validated | s to enqueue (incl. the 20 s stop) | s from the last to all final | end-to-end batches/min | call inclusion p50 (ms) | p95 (ms) | acknowledgement p50 / p95 (ms) | /metrics p99 (ms) | RSS last/first, worst actor | checks |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|
$(cat "$work/rows.md")

"s from the last to all final" is how far the actors trail the batches: when it stays a few
seconds the agents keep up with the offered rate, which then bounds the end-to-end figure.
"acknowledgement" is a request's submission to its network's acknowledgement, in block time,
from the chain's events. "/metrics p99" is the submitter's exposition under 200 GETs beside Prometheus's scrapes while it
works; "RSS last/first" is each actor's resident memory at its last sample over its first
after a minute of running (one sample a minute; the restarted actors' second process), the
largest of the four.

The 30-day drink run of the same agents (8,640 batches) is the simulator's drink engine: see
the "sim" section.
MD
write_section BENCHMARKS.md agents "$work/section.md"
cat "$work/section.md"
