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
token_bundle="$CARGO_TARGET_DIR/ink/psp22_mock/psp22_mock.contract"

# call SURI CONTRACT BUNDLE MESSAGE [ARGS...] [-- EXPECTED_TEXT]: executes MESSAGE and checks the
# JSON of its events holds EXPECTED_TEXT (an event name).
call() {
  local suri="$1" contract="$2" bundle="$3" message="$4" expected="" out
  shift 4
  local args=()
  while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then expected="$2"; break; fi
    args+=("$1"); shift
  done
  echo "==> $suri: $message ${args[*]}"
  out="$(cargo contract call --contract "$contract" --message "$message" \
    ${args[@]+--args "${args[@]}"} --suri "$suri" --url "$url" \
    --execute --skip-confirm --output-json "$bundle" 2>&1)" || {
    echo "$out" >&2
    echo "node-smoke: $message failed" >&2
    exit 1
  }
  if [ -n "$expected" ] && ! grep -q "$expected" <<<"$out"; then
    echo "$out" >&2
    echo "node-smoke: $message emitted no $expected" >&2
    exit 1
  fi
}

# read CONTRACT BUNDLE MESSAGE [ARGS...]: the dry-run answer's data, as JSON.
read_only() {
  local contract="$1" bundle="$2" message="$3" out
  shift 3
  out="$(cargo contract call --contract "$contract" --message "$message" \
    ${1+--args "$@"} --suri //Alice --url "$url" --output-json "$bundle" 2>&1)" || {
    echo "$out" >&2
    echo "node-smoke: reading $message failed" >&2
    exit 1
  }
  python3 -c 'import json, sys; print(json.dumps(json.loads(sys.argv[1])["data"]))' "$out"
}

expect() {
  local what="$1" answer="$2" expected="$3"
  if grep -q -- "$expected" <<<"$answer"; then
    echo "    $what: $expected"
  else
    echo "node-smoke: $what is $answer, expected $expected" >&2
    exit 1
  fi
}

id='{ chain_id: 1, block_number: 42 }'
params='{ protocol_major: 0, protocol_minor: 27, protocol_patch: 0, proof_inputs_url: "https://inputs.example/1/42", timeout_after: 3600000, max_reward: 5000000 }'
reward=4000000

call //Alice "$manager" "$manager_bundle" submit_proof_request "$id" "$params" -- ProofRequestSubmitted
expect "request 42" "$(read_only "$manager" "$manager_bundle" proof_request "$id")" PendingAcknowledgement
echo "==> //Dave, an outsider, tries to acknowledge"
if cargo contract call --contract "$manager" --message acknowledge_proof_request \
  --args "$id" true --suri //Dave --url "$url" --execute --skip-confirm --output-json \
  "$manager_bundle" >"$work/outsider.json" 2>&1; then
  echo "node-smoke: an outsider acknowledged request 42" >&2
  exit 1
fi
expect "outsider's acknowledgement" "$(cat "$work/outsider.json")" OnlyProvingNetworkAssigneeAllowed
call //Bob "$manager" "$manager_bundle" acknowledge_proof_request "$id" true -- ProofRequestAcknowledged
call //Bob "$manager" "$manager_bundle" submit_proof "$id" 0x0102030405060708 "$reward" -- ProofRequestProven
call //Alice "$manager" "$manager_bundle" submit_proof_validation_result "$id" true -- ProofValidationResult
call //Bob "$manager" "$manager_bundle" claim_reward -- RewardClaimed

echo "==> checking the outcome"
expect "request 42" "$(read_only "$manager" "$manager_bundle" proof_request "$id")" Paid
expect "Bob's tokens" "$(read_only "$usdc" "$token_bundle" PSP22::balance_of "$bob")" "\"$reward\""
expect "ProofManager's tokens" "$(read_only "$usdc" "$token_bundle" PSP22::balance_of "$manager")" \
  "\"$(( fund - reward ))\""
echo "==> node smoke test passed"
echo "node-smoke: 1 passed, 0 failed"
