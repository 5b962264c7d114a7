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
source "$(dirname "${BASH_SOURCE[0]}")/node-lib.sh"

node="$(contracts_node)" || {
  echo "node-smoke: no substrate-contracts-node on PATH or in CONTRACTS_NODE (scripts/install-node.sh installs it)" >&2
  exit 1
}
work="$(mktemp -d)"
rpc_port="$(free_port)"
url="ws://127.0.0.1:$rpc_port"

echo "==> starting $node --dev --tmp, RPC on 127.0.0.1:$rpc_port (log: $work/node.log)"
cleanup() {
  local status=$?
  echo "==> stopping the node"
  stop_node
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
start_node "$work/node.log" "$rpc_port" --dev --tmp
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

call() {
  contract_call "$url" "$@" || { echo "node-smoke: the call failed" >&2; exit 1; }
}
read_only() {
  contract_read "$url" "$@" || { echo "node-smoke: the read failed" >&2; exit 1; }
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
