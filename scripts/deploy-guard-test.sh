#!/usr/bin/env bash
# deploy-guard-test.sh: the self-test of deploy.sh's guard against the public dev accounts on a
# chain that is not a development chain, with no node, no network and no cargo: a stub JSON-RPC
# server (python3, HTTP on 127.0.0.1, as deploy.sh asks the node) answers system_chainType with
# the chain type a case gives and records every request it receives; `cargo`, `cargo-contract`
# and `rustup` are fakes, first in PATH (CARGO_HOME is where env.sh puts its own first), that
# record being called and fail.
#
# It checks that on a Live (or Custom) chain with settings missing deploy.sh exits 2 naming
# every missing one (SURI too: its //Alice default must not apply there), the chain type and
# DEV=1, having asked the node system_chainType and nothing else and run no cargo, in a real run
# and a DRY_RUN alike; that with all five settings given, on a Development chain, or with DEV=1
# the guard lets it pass; and that a node that does not answer is an error (exit 1) before
# anything else.
#
# Usage: bash scripts/deploy-guard-test.sh   (about 6 s; needs python3 only)
#        DEPLOY_SCRIPT=PATH tests another copy of deploy.sh (an older one should fail it), in a
#        tree with its scripts/env.sh
# Prints `deploy-guard: N passed, M failed` and exits 1 when a check failed or none ran.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEPLOY="${DEPLOY_SCRIPT:-$HERE/deploy.sh}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/deploy-guard-test.XXXXXX")"
# A proxy in the environment would take the stub's requests elsewhere.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

ALICE=5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY
BOB=5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty
CHARLIE=5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y
# The guard's own words, told apart from any other exit 2.
GUARD_MESSAGE="not deploying:"

passed=0
failed=0
check() {
  local name="$1" detail="${3:-}"
  if [ "$2" = 0 ]; then
    passed=$((passed + 1))
    echo "    ok: $name"
  else
    failed=$((failed + 1))
    echo "    FAILED: $name${detail:+ ($detail)}"
  fi
}
# holds COMMAND...: 0 when COMMAND succeeds, else 1 (for check's second argument).
holds() { "$@" >/dev/null 2>&1 && echo 0 || echo 1; }

fakes="$WORK/cargo-home/bin"
mkdir -p "$fakes"
for tool in cargo cargo-contract rustup; do
  printf '#!/bin/sh\necho "%s $*" >> "%s"\nexit 1\n' "$tool" "$WORK/toolchain-calls" > "$fakes/$tool"
  chmod +x "$fakes/$tool"
done

STUB_PID=""
STUB_RUNS=0
stop_stub() {
  if [ -n "$STUB_PID" ]; then
    kill "$STUB_PID" 2>/dev/null
    wait "$STUB_PID" 2>/dev/null
  fi
  STUB_PID=""
}
trap stop_stub EXIT

# start_stub CHAIN_TYPE_JSON: a stub node answering system_chainType with CHAIN_TYPE_JSON; sets
# STUB_URL (ws://, as an operator gives it) and STUB_LOG (one line per request: its method, or
# the HTTP verb and path of anything that is not a JSON-RPC POST).
start_stub() {
  STUB_RUNS=$((STUB_RUNS + 1))
  STUB_LOG="$WORK/stub-$STUB_RUNS.log"
  : > "$STUB_LOG"
  : > "$WORK/stub.port"
  python3 - "$1" "$STUB_LOG" > "$WORK/stub.port" 2>>"$WORK/stub.err" <<'PY' &
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
chain_type, log = json.loads(sys.argv[1]), sys.argv[2]

def record(line):
    with open(log, "a") as f:
        f.write(line + "\n")

class Stub(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            data = json.loads(body)
        except ValueError:
            record("POST unparsed")
            data = []
        answers = []
        for request in data if isinstance(data, list) else [data]:
            method = request.get("method")
            record(str(method))
            if method == "system_chainType":
                answers.append({"jsonrpc": "2.0", "id": request.get("id"), "result": chain_type})
            elif method == "system_chain":
                answers.append({"jsonrpc": "2.0", "id": request.get("id"), "result": "Stub"})
            else:
                answers.append({"jsonrpc": "2.0", "id": request.get("id"),
                                "error": {"code": -32601, "message": "Method not found"}})
        out = json.dumps(answers if isinstance(data, list) else answers[0]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self):  # a websocket handshake, or anything else: recorded, refused
        record(f"GET {self.path}")
        self.send_error(400)

server = HTTPServer(("127.0.0.1", 0), Stub)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
  STUB_PID=$!
  local tries=0
  until [ -s "$WORK/stub.port" ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$STUB_PID" 2>/dev/null; then
      echo "deploy-guard-test: the stub did not start; $WORK/stub.err" >&2
      STUB_URL="ws://127.0.0.1:1"
      return 1
    fi
    sleep 0.05
  done
  STUB_URL="ws://127.0.0.1:$(cat "$WORK/stub.port")"
}

# run_deploy NAME [VAR=VALUE...]: deploy.sh with only the given settings among the guarded and
# DEV (the rest of the environment cleared of them), the fakes first in PATH, a target and
# deployments directory of its own; sets RC, OUT and ERR (file names).
run_deploy() {
  local name="$1"
  shift
  OUT="$WORK/$name.out"
  ERR="$WORK/$name.err"
  : > "$WORK/toolchain-calls"
  env -u SURI -u ADMIN -u SUBMITTER -u FERMAH -u LAGRANGE -u DEV -u DRY_RUN -u USDC -u FUND \
    CARGO_HOME="$WORK/cargo-home" PATH="$fakes:$PATH" \
    CARGO_TARGET_DIR="$WORK/target" DEPLOYMENTS_DIR="$WORK/deployments" "$@" \
    timeout 60 bash "$DEPLOY" > "$OUT" 2> "$ERR"
  RC=$?
}

guard_spoke() { [ "$RC" = 2 ] && grep -qF "$GUARD_MESSAGE" "$ERR"; }
guard_silent() { ! guard_spoke; }
no_plan() { ! grep -q 'would:' "$OUT"; }
only_chain_type() { [ -s "$STUB_LOG" ] && ! grep -qvx system_chainType "$STUB_LOG"; }
no_toolchain() { [ ! -s "$WORK/toolchain-calls" ]; }
says() { grep -qF -- "$1" "$ERR"; }
seen() { tr '\n' ' ' < "$STUB_LOG"; }

echo "==> Live, nothing set (a real run)"
start_stub '"Live"'
run_deploy live-nothing URL="$STUB_URL"
check "exits 2 with the guard's message (exit $RC)" "$(holds guard_spoke)" "$(head -c 400 "$ERR")"
missing_named=0
for name in SURI ADMIN SUBMITTER FERMAH LAGRANGE; do
  grep -qw "$name" "$ERR" || missing_named=1
done
check "the message names SURI, ADMIN, SUBMITTER, FERMAH and LAGRANGE" "$missing_named"
check "the message names the chain type the node reported (Live)" "$(holds says Live)"
check "the message tells of DEV=1" "$(holds says DEV=1)"
check "the node was asked system_chainType and nothing else" "$(holds only_chain_type)" "stub saw: $(seen)"
check "no cargo, cargo-contract or rustup ran" "$(holds no_toolchain)" "$(tr '\n' ';' < "$WORK/toolchain-calls")"
stop_stub

echo "==> Live, the four addresses set, SURI not (a real run)"
start_stub '"Live"'
run_deploy live-no-suri URL="$STUB_URL" ADMIN="$ALICE" SUBMITTER="$ALICE" FERMAH="$BOB" LAGRANGE="$CHARLIE"
check "exits 2 with the guard's message: //Alice is no default there (exit $RC)" "$(holds guard_spoke)" "$(head -c 400 "$ERR")"
only_suri=0
says SURI || only_suri=1
for name in ADMIN SUBMITTER FERMAH LAGRANGE; do
  grep -qw "$name" "$ERR" && only_suri=1
done
check "the message names SURI and none of the addresses given" "$only_suri" "$(head -c 400 "$ERR")"
check "the node was asked system_chainType and nothing else" "$(holds only_chain_type)" "stub saw: $(seen)"
check "no cargo, cargo-contract or rustup ran" "$(holds no_toolchain)" "$(tr '\n' ';' < "$WORK/toolchain-calls")"
stop_stub

echo "==> a Custom chain type, nothing set, DRY_RUN=1"
start_stub '{"Custom": "staging"}'
run_deploy custom-dry URL="$STUB_URL" DRY_RUN=1
check "exits 2 with the guard's message, a dry run too (exit $RC)" "$(holds guard_spoke)" "$(head -c 400 "$ERR")"
check "the message names the chain type (Custom staging)" "$(holds grep -q 'Custom.*staging' "$ERR")"
check "no dry-run plan was printed" "$(holds no_plan)"
check "the node was asked system_chainType and nothing else" "$(holds only_chain_type)" "stub saw: $(seen)"
stop_stub

echo "==> Live, all five set, DRY_RUN=1"
start_stub '"Live"'
run_deploy live-all-dry URL="$STUB_URL" DRY_RUN=1 SURI=//Alice ADMIN="$ALICE" SUBMITTER="$ALICE" \
  FERMAH="$BOB" LAGRANGE="$CHARLIE"
check "the guard passes (exit $RC, no guard message)" "$(holds guard_silent)" "$(head -c 400 "$ERR")"
stop_stub

echo "==> Development, nothing set, DRY_RUN=1"
start_stub '"Development"'
run_deploy dev-nothing-dry URL="$STUB_URL" DRY_RUN=1
check "the guard passes (exit $RC, no guard message)" "$(holds guard_silent)" "$(head -c 400 "$ERR")"
stop_stub

echo "==> Live, DEV=1, nothing set, DRY_RUN=1"
start_stub '"Live"'
run_deploy live-dev1-dry URL="$STUB_URL" DRY_RUN=1 DEV=1
check "the guard passes (exit $RC, no guard message)" "$(holds guard_silent)" "$(head -c 400 "$ERR")"
stop_stub

echo "==> no node at URL, DRY_RUN=1"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
run_deploy no-node URL="ws://127.0.0.1:$port" DRY_RUN=1
no_node() { [ "$RC" = 1 ] && says "no node answers at ws://127.0.0.1:$port" && no_plan; }
check "exits 1 with 'no node answers at ...' before any plan (exit $RC)" "$(holds no_node)" "$(head -c 400 "$ERR")"
check "no cargo, cargo-contract or rustup ran" "$(holds no_toolchain)" "$(tr '\n' ';' < "$WORK/toolchain-calls")"

if [ "$failed" -gt 0 ]; then
  echo "    outputs in $WORK"
else
  rm -rf "$WORK"
fi
echo "deploy-guard: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
