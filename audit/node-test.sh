#!/usr/bin/env bash
# The auditor against a real substrate-contracts-node: drives requests to known outcomes on an
# archive node, scans them and compares the report; scans again (nothing new); scans an address
# that is no contract; follows the chain, stops the follower with SIGINT, follows on and compares
# the store with one scan of the whole range; then scans pruned blocks on a node that keeps the
# state of 2 blocks. Ends with `audit-node: N passed, M failed` (an abort counts as a failure),
# or `audit-node: SKIPPED` and exit code 0 when no node is installed.
# Env: CONTRACTS_NODE_BIN / CONTRACTS_NODE (the node), AUDIT_BIN (the auditor; default: the
#      workspace's release build, built first), NODE_START_TIMEOUT seconds to wait for RPC [120],
#      KEEP_LOGS=1 to keep the work dir.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
cd "$REPO_ROOT"
NODE_START_TIMEOUT="${NODE_START_TIMEOUT:-120}"
export RUST_BACKTRACE=0

if ! contracts_node >/dev/null; then
  echo "audit-node: no substrate-contracts-node (scripts/install-node.sh installs it)"
  echo "audit-node: SKIPPED"
  exit 0
fi
if [ -z "${AUDIT_BIN:-}" ]; then
  build_workspace
  AUDIT_BIN="$CARGO_TARGET_DIR/release/proof-manager-audit"
fi
work="$(mktemp -d)"
node_pid=
follow_pid=
passed=0
failed=0
summary_printed=0
stop_node() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill "$node_pid"
    wait "$node_pid" 2>/dev/null || true
  fi
  node_pid=
}
cleanup() {
  local status=$?
  if [ -n "$follow_pid" ] && kill -0 "$follow_pid" 2>/dev/null; then kill "$follow_pid"; fi
  stop_node
  if [ "${KEEP_LOGS:-0}" = 1 ]; then echo "==> logs kept in $work"; else rm -rf "$work"; fi
  if [ "$summary_printed" = 0 ]; then
    echo "audit-node: aborted (exit status $status) after $passed checks passed" >&2
    echo "audit-node: $passed passed, $((failed + 1)) failed"
    [ "$status" != 0 ] || status=1
  fi
  exit "$status"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
rpc() {
  curl -sS --max-time 10 -H 'Content-Type: application/json' \
    -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$1\",\"params\":[${2:-}]}" "$http"
}
# start_node NAME ARGS...: a --dev --tmp node on a free RPC port; sets url and http.
start_node() {
  local name="$1" started
  shift
  local port
  port="$(free_port)"
  url="ws://127.0.0.1:$port"
  http="http://127.0.0.1:$port"
  echo "==> starting a $name node: --dev --tmp $*, RPC on 127.0.0.1:$port"
  bash scripts/loopback-node.sh --dev --tmp --rpc-port "$port" "$@" >"$work/$name.log" 2>&1 &
  node_pid=$!
  started=$(date +%s)
  until rpc system_health 2>/dev/null | grep -q '"result"'; do
    kill -0 "$node_pid" 2>/dev/null || { tail -n 20 "$work/$name.log" >&2; exit 1; }
    [ $(( $(date +%s) - started )) -lt "$NODE_START_TIMEOUT" ] || { echo "no RPC answer" >&2; exit 1; }
    sleep 1
  done
}
header_number() {
  rpc chain_getHeader "${1:-}" | python3 -c 'import json, sys; print(int(json.load(sys.stdin)["result"]["number"], 16))'
}
# The last block once the node has finalized every block it has (a block's finality follows it
# by --finalize-delay-sec, 1 s by default): a scan reads finalized blocks only.
finalized_number() {
  local best hash started
  best="$(header_number)"
  started=$(date +%s)
  while :; do
    hash="$(rpc chain_getFinalizedHead | python3 -c 'import json, sys; print(json.load(sys.stdin)["result"])')"
    finalized="$(header_number "\"$hash\"")"
    [ "$finalized" -lt "$best" ] || break
    [ $(( $(date +%s) - started )) -lt 30 ] || { echo "block $best not finalized within 30 s" >&2; exit 1; }
    sleep 0.5
  done
  echo "$finalized"
}
# The store's cursor: the last block it covers.
cursor() {
  python3 -c 'import sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute("SELECT last_block FROM window").fetchone()
print(row[0] if row else -1)' "$1" 2>/dev/null || echo -1
}
deploy() {
  URL="$url" FUND=100000000 DEPLOYMENTS_DIR="$work/deployments-$1" bash scripts/deploy.sh >"$work/deploy-$1.log" 2>&1 ||
    { cat "$work/deploy-$1.log" >&2; exit 1; }
  manager="$(python3 -c 'import json, sys, glob
print(json.load(open(glob.glob(sys.argv[1] + "/*.json")[0]))["proof_manager"]["address"])' "$work/deployments-$1")"
}
bundle="$CARGO_TARGET_DIR/ink/proof_manager.contract"
# call SURI MESSAGE ARGS...: executes MESSAGE with the dry run's gas plus 10% (see README).
call() {
  local suri="$1" message="$2" out limits ref_time proof_size
  shift 2
  echo "==> $suri: $message $*"
  out="$(cargo contract call --contract "$manager" --message "$message" ${1+--args "$@"} \
    --suri "$suri" --url "$url" --output-json "$bundle" 2>&1)" &&
    limits="$(python3 -c 'import json, sys
r = json.loads(sys.argv[1])["gas_required"]
print(r["ref_time"] * 11 // 10, r["proof_size"] * 11 // 10)' "$out")" || { echo "$out" >&2; exit 1; }
  read -r ref_time proof_size <<<"$limits"
  cargo contract call --contract "$manager" --message "$message" ${1+--args "$@"} --suri "$suri" \
    --url "$url" --gas "$ref_time" --proof-size "$proof_size" --execute --skip-confirm \
    --output-json "$bundle" >"$work/call.json" 2>&1 || { cat "$work/call.json" >&2; exit 1; }
}
# check WHAT COMMAND...: COMMAND must succeed.
check() {
  local what="$1"
  shift
  if "$@"; then echo "    ok: $what"; passed=$((passed + 1)); else echo "    FAILED: $what" >&2; failed=$((failed + 1)); fi
}

start_node archive --state-pruning archive
deploy archive
params='{ protocol_major: 0, protocol_minor: 28, protocol_patch: 0, proof_inputs_url: "https://inputs.example", timeout_after: 3600000, max_reward: 5000000 }'
# Counter 0 goes to Fermah (Bob), 1 to Lagrange (Charlie), 2 to the preferred network: None.
call //Alice submit_proof_request '{ chain_id: 1, block_number: 1 }' "$params"
call //Alice submit_proof_request '{ chain_id: 1, block_number: 2 }' "$params"
call //Alice submit_proof_request '{ chain_id: 1, block_number: 3 }' "$params"
call //Bob acknowledge_proof_request '{ chain_id: 1, block_number: 1 }' true
call //Charlie acknowledge_proof_request '{ chain_id: 1, block_number: 2 }' false
call //Bob submit_proof '{ chain_id: 1, block_number: 1 }' 0x0102 4000000
call //Alice submit_proof_validation_result '{ chain_id: 1, block_number: 1 }' true
call //Bob claim_reward
last="$(finalized_number)"
db="$work/audit.sqlite"
month="$(date -u +%Y-%m)"
"$AUDIT_BIN" --db "$db" scan --url "$url" --contract "$manager" --from 1 --to "$last" | tee "$work/scan.out"
"$AUDIT_BIN" --db "$db" report --month "$month" --min-requests 1 --json "$work/report.json" >"$work/report.md"
check "the report of the driven requests" python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
f, l = r["networks"]["Fermah"], r["networks"]["Lagrange"]
want_f = dict(assigned=1, refused_at_assignment=0, refused=0, committed=1, unacknowledged=0,
              proven=1, timed_out=0, validated=1, validation_failed=0, open=0,
              fulfilment_rate=1.0, mean_price_ratio=0.8, rewards_validated=4000000,
              rewards_claimed=4000000, ranked=True, rank=1)
want_l = dict(assigned=1, refused_at_assignment=0, refused=1, committed=0, proven=0,
              validated=0, fulfilment_rate=0.0, rewards_claimed=0, ranked=True, rank=2)
bad = [(n, k, net[k], v) for n, net, want in (("Fermah", f, want_f), ("Lagrange", l, want_l))
       for k, v in want.items() if net[k] != v]
bad += [("", k, r[k], v) for k, v in (("current_preferred", None), ("recommended_preferred", "Fermah"),
        ("unknown_events", 0)) if r[k] != v]
for b in bad:
    print("    mismatch:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
check "one request with no assignee" grep -q "counted under neither network): 1\." "$work/report.md"
"$AUDIT_BIN" --db "$db" scan --url "$url" --contract "$manager" --from 1 --to "$last" >"$work/rescan.out"
check "a second scan stores nothing new" grep -q "^scanned 0 blocks .* 0 new events" "$work/rescan.out"
alice=5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY
status=0
"$AUDIT_BIN" --db "$work/alice.sqlite" scan --url "$url" --contract "$alice" --from 1 --to "$last" \
  2>"$work/alice.err" || status=$?
check "an address that is no contract: exit 2 and says so" \
  bash -c '[ "$0" = 2 ] && grep -q "is not a contract on this chain" "$1"' "$status" "$work/alice.err"

# Follow from block 1, stop the follower with SIGINT while it waits for a new block, drive two
# more requests, follow on to the new last block: the store must hold exactly what one scan of
# the whole range stores.
follow_db="$work/follow.sqlite"
"$AUDIT_BIN" --db "$follow_db" follow --url "$url" --contract "$manager" --from 1 --poll-ms 200 \
  >"$work/follow1.out" 2>"$work/follow1.err" &
follow_pid=$!
started=$(date +%s)
until [ "$(cursor "$follow_db")" -ge "$last" ]; do
  kill -0 "$follow_pid" 2>/dev/null || { cat "$work/follow1.err" >&2; exit 1; }
  [ $(( $(date +%s) - started )) -lt 60 ] || { echo "the follower did not reach block $last" >&2; exit 1; }
  sleep 0.2
done
kill -INT "$follow_pid"
status=0
wait "$follow_pid" || status=$?
follow_pid=
cat "$work/follow1.out" "$work/follow1.err"
check "a follower stopped by SIGINT exits 0 and says where it stopped" \
  bash -c '[ "$0" = 0 ] && grep -q "stopped by SIGINT: .* resumes after it" "$1"' "$status" "$work/follow1.err"
stopped_at="$(cursor "$follow_db")"
# Counter 3 falls to the preferred network, None: refused; counter 4 goes to Fermah.
call //Alice submit_proof_request '{ chain_id: 1, block_number: 4 }' "$params"
call //Alice submit_proof_request '{ chain_id: 1, block_number: 5 }' "$params"
call //Bob acknowledge_proof_request '{ chain_id: 1, block_number: 5 }' false
last="$(finalized_number)"
"$AUDIT_BIN" --db "$follow_db" follow --url "$url" --contract "$manager" --until-block "$last" \
  | tee "$work/follow2.out"
check "the second follow starts after the cursor (block $stopped_at)" \
  grep -q "^followed $((last - stopped_at)) blocks .* 0 blocks already stored; the store is at block $last\$" "$work/follow2.out"
"$AUDIT_BIN" --db "$work/whole.sqlite" scan --url "$url" --contract "$manager" --from 1 --to "$last" >/dev/null
"$AUDIT_BIN" --db "$follow_db" export "$work/followed.jsonl" >/dev/null
"$AUDIT_BIN" --db "$work/whole.sqlite" export "$work/whole.jsonl" >/dev/null
check "stopped and resumed, the follower stored what one scan does: no gap, no duplicate" \
  cmp "$work/followed.jsonl" "$work/whole.jsonl"
stop_node

start_node pruned --state-pruning 2
deploy pruned
last="$(finalized_number)"
status=0
"$AUDIT_BIN" --db "$work/pruned.sqlite" scan --url "$url" --contract "$manager" --from 1 --to "$last" \
  2>"$work/pruned.err" || status=$?
cat "$work/pruned.err"
check "pruned blocks: exit 2 and how to fix it" \
  bash -c '[ "$0" = 2 ] && grep -q "was pruned.*--state-pruning archive" "$1"' "$status" "$work/pruned.err"
stop_node
summary_printed=1
echo "audit-node: $passed passed, $failed failed"
[ "$failed" = 0 ]
