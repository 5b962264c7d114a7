#!/usr/bin/env bash
# Smoke test on a real chain: starts substrate-contracts-node --dev --tmp on 127.0.0.1 with free
# ports, deploys with scripts/deploy.sh, drives one request through submit → acknowledge →
# prove → validate → claim with `cargo contract call` as the right dev accounts (Alice admin
# and submitter, Bob Fermah, Charlie Lagrange), checks the token balances and the request's
# status, refuses an outsider, then stops the node by its PID. Exits non-zero on any failure.
# Env: CONTRACTS_NODE_BIN / CONTRACTS_NODE (the node binary; default: on PATH),
#      NODE_START_TIMEOUT seconds to wait for RPC [120], KEEP_LOGS=1 to keep the work dir.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
NODE_START_TIMEOUT="${NODE_START_TIMEOUT:-120}"
# cargo-contract's errors are read here, not debugged: no backtraces in them.
export RUST_BACKTRACE=0

node="$(contracts_node)" || {
  echo "node-smoke: no substrate-contracts-node on PATH or in CONTRACTS_NODE (scripts/install-node.sh installs it)" >&2
  exit 1
}
work="$(mktemp -d)"
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
rpc_port="$(free_port)"
url="ws://127.0.0.1:$rpc_port"

echo "==> starting $node --dev --tmp, RPC on 127.0.0.1:$rpc_port (log: $work/node.log)"
bash scripts/loopback-node.sh --dev --tmp --rpc-port "$rpc_port" >"$work/node.log" 2>&1 &
node_pid=$!
cleanup() {
  local status=$?
  if kill -0 "$node_pid" 2>/dev/null; then
    echo "==> stopping the node (pid $node_pid)"
    kill "$node_pid"
    wait "$node_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    echo "node-smoke: FAILED; last lines of the node's log:" >&2
    tail -n 20 "$work/node.log" >&2 || true
  fi
  if [ "${KEEP_LOGS:-0}" = 1 ]; then
    echo "==> logs kept in $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT

started=$(date +%s)
until curl -s --max-time 2 -H 'Content-Type: application/json' \
  -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
  "http://127.0.0.1:$rpc_port" | grep -q '"result"'; do
  kill -0 "$node_pid" 2>/dev/null || { echo "node-smoke: the node exited" >&2; exit 1; }
  if [ $(( $(date +%s) - started )) -ge "$NODE_START_TIMEOUT" ]; then
    echo "node-smoke: no RPC answer within ${NODE_START_TIMEOUT}s" >&2
    exit 1
  fi
  sleep 1
done
echo "==> node answers after $(( $(date +%s) - started ))s"

fund=100000000
echo "==> scripts/deploy.sh (FUND=$fund)"
URL="$url" FUND="$fund" DEPLOYMENTS_DIR="$work/deployments" bash scripts/deploy.sh
record="$(ls "$work"/deployments/*.json)"
field() {
  python3 -c 'import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2:]:
    value = value[key]
print(value)' "$record" "$@"
}
manager="$(field proof_manager address)"
usdc="$(field usdc address)"
bob="$(field roles fermah)"
manager_bundle="$CARGO_TARGET_DIR/ink/proof_manager.contract"
token_bundle="$CARGO_TARGET_DIR/ink/psp22_mock.contract"

# call SURI CONTRACT BUNDLE MESSAGE [ARGS...]: executes MESSAGE and requires CONTRACT to have
# emitted an event. cargo-contract 5 prints ink! 5 events undecoded (contract and data only), so
# what each call did is checked by reading the request's status after it; the ink_e2e suite
# checks the decoded events. The gas limit is the dry run's estimate plus 10%: contracts-node
# 0.41 under-estimates the proof size of calls that call the token (see README), and
# cargo-contract uses the bare estimate unless told otherwise.
call() {
  local suri="$1" contract="$2" bundle="$3" message="$4" out limits ref_time proof_size
  shift 4
  echo "==> $suri: $message $*"
  out="$(cargo contract call --contract "$contract" --message "$message" \
    ${1+--args "$@"} --suri "$suri" --url "$url" --output-json "$bundle" 2>&1)" &&
    limits="$(python3 -c 'import json, sys
required = json.loads(sys.argv[1])["gas_required"]
print(required["ref_time"] * 11 // 10, required["proof_size"] * 11 // 10)' "$out")" || {
    echo "$out" >&2
    echo "node-smoke: the dry run of $message failed" >&2
    exit 1
  }
  read -r ref_time proof_size <<<"$limits"
  out="$(cargo contract call --contract "$contract" --message "$message" \
    ${1+--args "$@"} --suri "$suri" --url "$url" --gas "$ref_time" --proof-size "$proof_size" \
    --execute --skip-confirm --output-json "$bundle" 2>&1)" || {
    echo "$out" >&2
    echo "node-smoke: $message failed" >&2
    exit 1
  }
  python3 - "$contract" "$out" <<'PY' || { echo "$out" >&2; echo "node-smoke: $message emitted no event" >&2; exit 1; }
import json, sys
contract, events = sys.argv[1], json.loads(sys.argv[2])
emitted = [
    e for e in events
    if e["pallet"] == "Contracts" and e["name"] == "ContractEmitted"
    and any(f["name"] == "contract" and f["value"].get("Literal") == contract for f in e["fields"])
]
sys.exit(0 if emitted else 1)
PY
}

# read CONTRACT BUNDLE MESSAGE [ARGS...] [--suri SURI]: the answer of a dry run (by //Alice
# unless SURI is given), as JSON.
read_only() {
  local contract="$1" bundle="$2" message="$3" suri=//Alice out
  shift 3
  local args=()
  while [ $# -gt 0 ]; do
    if [ "$1" = --suri ]; then suri="$2"; shift 2; else args+=("$1"); shift; fi
  done
  out="$(cargo contract call --contract "$contract" --message "$message" \
    ${args[@]+--args "${args[@]}"} --suri "$suri" --url "$url" --output-json "$bundle" 2>&1)" || {
    echo "$out" >&2
    echo "node-smoke: reading $message failed" >&2
    exit 1
  }
  python3 -c 'import json, sys; print(json.dumps(json.loads(sys.argv[1])["data"]))' "$out"
}

# plain JSON: the value cargo-contract's JSON answer (JSON on stdin) holds, without ink!'s
# outer `Ok`: a number for an integer, the variant's name for a unit enum or a `Result`'s
# error, the request's status for a `ProofRequest`, `None` for no value.
plain() {
  python3 -c 'import json, sys
def plain(v):
    if "UInt" in v:
        return str(v["UInt"])
    if "Tuple" in v:
        t = v["Tuple"]
        if t["ident"] in ("Ok", "Some") and t["values"]:
            return plain(t["values"][0])
        if t["ident"] == "Err" and t["values"]:
            return "Err(" + plain(t["values"][0]) + ")"
        return t["ident"]
    if "Map" in v and "status" in v["Map"]:
        return plain(v["Map"]["status"])
    return json.dumps(v)
print(plain(json.load(sys.stdin)))'
}

# expect WHAT ANSWER EXPECTED: ANSWER must be EXPECTED exactly.
expect() {
  local what="$1" answer="$2" expected="$3"
  if [ "$answer" = "$expected" ]; then
    echo "    $what: $expected"
  else
    echo "node-smoke: $what is $answer, expected $expected" >&2
    exit 1
  fi
}

id='{ chain_id: 1, block_number: 42 }'
params='{ protocol_major: 0, protocol_minor: 27, protocol_patch: 0, proof_inputs_url: "https://inputs.example/1/42", timeout_after: 3600000, max_reward: 5000000 }'
reward=4000000

status() {
  read_only "$manager" "$manager_bundle" proof_request "$id" | plain
}
balance() {
  read_only "$usdc" "$token_bundle" PSP22::balance_of "$1" | plain
}
call //Alice "$manager" "$manager_bundle" submit_proof_request "$id" "$params"
expect "request 42" "$(status)" PendingAcknowledgement
echo "==> //Dave, an outsider, tries to acknowledge"
expect "outsider's acknowledgement, dry run" \
  "$(read_only "$manager" "$manager_bundle" acknowledge_proof_request "$id" true --suri //Dave | plain)" \
  "Err(OnlyProvingNetworkAssigneeAllowed)"
if cargo contract call --contract "$manager" --message acknowledge_proof_request \
  --args "$id" true --suri //Dave --url "$url" --execute --skip-confirm --output-json \
  "$manager_bundle" >"$work/outsider.json" 2>&1; then
  echo "node-smoke: an outsider acknowledged request 42" >&2
  exit 1
fi
expect "outsider's acknowledgement, submitted" \
  "$(python3 -c 'import json, sys; print(json.load(sys.stdin)["module_error"]["error"])' \
    <"$work/outsider.json" 2>/dev/null || cat "$work/outsider.json")" ContractReverted
expect "request 42" "$(status)" PendingAcknowledgement
call //Bob "$manager" "$manager_bundle" acknowledge_proof_request "$id" true
expect "request 42" "$(status)" Committed
call //Bob "$manager" "$manager_bundle" submit_proof "$id" 0x0102030405060708 "$reward"
expect "request 42" "$(status)" Proven
call //Alice "$manager" "$manager_bundle" submit_proof_validation_result "$id" true
expect "request 42" "$(status)" Validated
expect "Bob's tokens before his claim" "$(balance "$bob")" 0
call //Bob "$manager" "$manager_bundle" claim_reward

echo "==> checking the outcome"
expect "request 42" "$(status)" Paid
expect "Bob's tokens" "$(balance "$bob")" "$reward"
expect "ProofManager's tokens" "$(balance "$manager")" "$(( fund - reward ))"
echo "==> node smoke test passed"
echo "node-smoke: 1 passed, 0 failed"
