#!/usr/bin/env bash
# The auditor's throughput, written to BENCHMARKS.md's "audit" section: a synthetic chain of
# EVENTS events (audit/examples/generate.rs, the contract's rules over 90 days) exported to JSON
# Lines, `import` of that log into a new store (events/s), `report` of its busiest month over
# the whole store (s); and, when substrate-contracts-node is installed, `scan` of BLOCKS blocks
# of an archive dev node (blocks/s; the chain grown by audit/examples/blocks.rs).
# Usage: scripts/audit-bench.sh            Env: EVENTS [1000000], BLOCKS [2000], CARGO_TARGET_DIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
source scripts/node-lib.sh
EVENTS="${EVENTS:-1000000}"
BLOCKS="${BLOCKS:-2000}"
build_workspace >/dev/null
bin="$CARGO_TARGET_DIR/release"
work="$(mktemp -d)"
trap 'stop_node; rm -rf "$work"' EXIT
seconds() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.2f}")' "$@"; }
now() { date +%s.%N; }

echo "==> generating about $EVENTS events"
"$bin/examples/generate" --events "$EVENTS" --db "$work/gen.sqlite" >/dev/null
"$bin/proof-manager-audit" --db "$work/gen.sqlite" export "$work/gen.jsonl" | tee "$work/export.txt"
events="$(sed -E 's/^exported ([0-9]+) events.*/\1/' "$work/export.txt")"
echo "==> import"
t0="$(now)"
"$bin/proof-manager-audit" --db "$work/import.sqlite" import "$work/gen.jsonl" >/dev/null
t1="$(now)"
import_s="$(seconds "$t0" "$t1")"
echo "==> report --month 2026-10"
t0="$(now)"
"$bin/proof-manager-audit" --db "$work/import.sqlite" report --month 2026-10 >/dev/null
t1="$(now)"
report_s="$(seconds "$t0" "$t1")"
rate="$(python3 -c "print(f'{$events / $import_s:,.0f}')")"
events_text="$(python3 -c "print(f'{$events:,}')")"

scan_row="| \`scan\` of a local node | ≥ 200 blocks/s | SKIPPED: no substrate-contracts-node |"
if contracts_node >/dev/null; then
  port="$(free_port)"
  url="ws://127.0.0.1:$port"
  start_node "$work/node.log" "$port" --dev --tmp --state-pruning archive
  URL="$url" DEPLOYMENTS_DIR="$work/deployments" bash scripts/deploy.sh >"$work/deploy.log" 2>&1
  manager="$(python3 -c 'import json, sys, glob; print(json.load(open(glob.glob(sys.argv[1])[0]))["proof_manager"]["address"])' "$work/deployments/*.json")"
  echo "==> growing the chain by $BLOCKS blocks"
  "$bin/examples/blocks" --url "$url" --blocks "$BLOCKS"
  head="$(rpc "$url" chain_getHeader | python3 -c 'import json, sys; print(int(json.load(sys.stdin)["number"], 16))')"
  # Finality trails the best block by a moment on the dev node.
  sleep 3
  "$bin/proof-manager-audit" --db "$work/scan.sqlite" scan --url "$url" --contract "$manager" \
    --from 1 --to "$head" | tee "$work/scan.txt"
  scan_rate="$(sed -E 's/.*\(([0-9]+) blocks\/s\).*/\1/' "$work/scan.txt")"
  scan_row="| \`scan\` of $head blocks of a local dev node | ≥ 200 blocks/s | $scan_rate blocks/s |"
fi

cpus="$(nproc)"
cat >"$work/section.md" <<MD
## Auditor (scripts/audit-bench.sh, $(date -u +%Y-%m-%d), $cpus cores)

| what | target | measured |
|---|---|---:|
| \`import\` of $events_text events (JSON Lines) | ≥ 100,000 events/s | $rate events/s ($import_s s) |
| \`report --month 2026-10\` over the $events_text stored events | ≤ 10 s | $report_s s |
$scan_row

\`import\` parses every line first and stores all of them in one transaction (a bad line
imports nothing). \`scan\` fetches 32 blocks at a time (each block's hash, then its
\`Timestamp::Now\` and \`System::Events\` at once) from a node on the same machine; growing
the chain (one extrinsic per block) is not part of the figure.
MD
write_section BENCHMARKS.md audit "$work/section.md"
cat "$work/section.md"
