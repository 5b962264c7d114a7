# Sourced by the scripts that drive a local substrate-contracts-node (node-smoke.sh,
# node-soak.sh, audit/node-test.sh): start it on loopback with free ports, wait for its RPC,
# stop it, and call contracts with cargo-contract. Needs scripts/env.sh sourced first.
# Env: NODE_START_TIMEOUT seconds to wait for RPC (default 120).

NODE_START_TIMEOUT="${NODE_START_TIMEOUT:-120}"
# cargo-contract's errors are read here, not debugged: no backtraces in them.
export RUST_BACKTRACE=0

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_node LOG RPC_PORT ARGS...: starts the node in the background (scripts/loopback-node.sh)
# with ARGS and RPC on RPC_PORT, sets NODE_PID, and waits until its RPC answers.
start_node() {
  local log="$1" port="$2" started
  shift 2
  bash "$REPO_ROOT/scripts/loopback-node.sh" --rpc-port "$port" "$@" >>"$log" 2>&1 &
  NODE_PID=$!
  started=$(date +%s)
  until curl -s --max-time 2 -H 'Content-Type: application/json' \
    -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
    "http://127.0.0.1:$port" | grep -q '"result"'; do
    kill -0 "$NODE_PID" 2>/dev/null || { echo "the node exited; its log: $log" >&2; return 1; }
    if [ $(( $(date +%s) - started )) -ge "$NODE_START_TIMEOUT" ]; then
      echo "no RPC answer within ${NODE_START_TIMEOUT}s; the node's log: $log" >&2
      return 1
    fi
    sleep 1
  done
}

# stop_node: stops the node started by start_node, if it runs.
stop_node() {
  if [ -n "${NODE_PID:-}" ] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill "$NODE_PID"
    wait "$NODE_PID" 2>/dev/null || true
  fi
  NODE_PID=""
}

# rpc URL METHOD [PARAMS_JSON]: the JSON-RPC result of METHOD over HTTP.
rpc() {
  local url="${1/ws:/http:}" method="$2" params="${3:-[]}"
  curl -s --max-time 5 -H 'Content-Type: application/json' \
    -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$method\",\"params\":$params}" "$url" |
    python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["result"]))'
}

# contract_call URL SURI CONTRACT BUNDLE MESSAGE [ARGS...]: executes MESSAGE and requires
# CONTRACT to have emitted an event. cargo-contract 5 prints ink! 5 events undecoded (contract
# and data only), so callers check what the call did by reading state after it. The gas limit is
# the dry run's estimate plus 10%: contracts-node 0.41 under-estimates the proof size of calls
# that call the token (see README), and cargo-contract uses the bare estimate unless told.
contract_call() {
  local url="$1" suri="$2" contract="$3" bundle="$4" message="$5" out limits ref_time proof_size
  shift 5
  echo "==> $suri: $message $*"
  out="$(cargo contract call --contract "$contract" --message "$message" \
    ${1+--args "$@"} --suri "$suri" --url "$url" --output-json "$bundle" 2>&1)" &&
    limits="$(python3 -c 'import json, sys
required = json.loads(sys.argv[1])["gas_required"]
print(required["ref_time"] * 11 // 10, required["proof_size"] * 11 // 10)' "$out")" || {
    echo "$out" >&2
    echo "the dry run of $message failed" >&2
    return 1
  }
  read -r ref_time proof_size <<<"$limits"
  out="$(cargo contract call --contract "$contract" --message "$message" \
    ${1+--args "$@"} --suri "$suri" --url "$url" --gas "$ref_time" --proof-size "$proof_size" \
    --execute --skip-confirm --output-json "$bundle" 2>&1)" || {
    echo "$out" >&2
    echo "$message failed" >&2
    return 1
  }
  python3 - "$contract" "$out" <<'PY' || { echo "$out" >&2; echo "$message emitted no event" >&2; return 1; }
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

# contract_read URL CONTRACT BUNDLE MESSAGE [ARGS...] [--suri SURI]: the answer of a dry run
# (by //Alice unless SURI is given), as JSON.
contract_read() {
  local url="$1" contract="$2" bundle="$3" message="$4" suri=//Alice out
  shift 4
  local args=()
  while [ $# -gt 0 ]; do
    if [ "$1" = --suri ]; then suri="$2"; shift 2; else args+=("$1"); shift; fi
  done
  out="$(cargo contract call --contract "$contract" --message "$message" \
    ${args[@]+--args "${args[@]}"} --suri "$suri" --url "$url" --output-json "$bundle" 2>&1)" || {
    echo "$out" >&2
    echo "reading $message failed" >&2
    return 1
  }
  python3 -c 'import json, sys; print(json.dumps(json.loads(sys.argv[1])["data"]))' "$out"
}

# plain: the value cargo-contract's JSON answer (JSON on stdin) holds, without ink!'s outer
# `Ok`: a number for an integer, the variant's name for a unit enum or a `Result`'s error, the
# request's status for a `ProofRequest`, `None` for no value.
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
