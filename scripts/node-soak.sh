#!/usr/bin/env bash
# The actors on a live chain: starts substrate-contracts-node on 127.0.0.1 with a base path and
# --state-pruning archive, deploys both contracts, makes Fermah the preferred network, and runs
# the submitter service (Alice), both network agents (Bob as Fermah, Charlie as Lagrange, whose
# prover spoils 1 proof in 10 and who proves 3 at a time at most) and `proof-manager-audit
# follow` while batches arrive for MINUTES at REQUESTS_PER_MINUTE. The agents reach the node
# through scripts/rpc-fault-proxy.py, which drops 10% of their extrinsic submissions (a pool's
# refusal, a pool's drop, or silence, in turn) and delays 3% of the node's answers by up to
# 5 s. Faults in the same run: a third of the way in, the follower and Fermah's agent are killed
# (SIGKILL) and restarted; half way, the node is stopped for 20 s and restarted on the same
# base path.
#
# Then it checks: the proxy dropped and delayed; every batch enqueued is validated or fell
# back; the auditor's outcomes per network (over every calendar month the run touched) equal
# the submitter's table; the contract's token balance is its funding minus the claims (no
# withdrawals here), and the claims the agents recorded are the auditor's; no call was left
# pending or abandoned, or applied twice (each batch submitted once). Prints a summary
# (batches, extrinsics, blocks, inclusion latency p50/p95, the proxy's faults) and
# `node-soak: N passed, M failed`.
#
# Before the run, a backlog (BACKLOG batches of chain 2, default 300) is queued at once and the
# submitter must submit it all: more calls than one connection takes in flight at once.
#
# Usage: scripts/node-soak.sh [MINUTES] [REQUESTS_PER_MINUTE]   (defaults 10 and 30)
# Env: CONTRACTS_NODE_BIN / CONTRACTS_NODE (see scripts/env.sh), KEEP_LOGS=1 keeps the work dir,
#      DRAIN_TIMEOUT seconds to wait for the last batches (default 300), LAST_PASSES_TIMEOUT
#      seconds of last passes to settle pending calls (default 300), BENCH_ROWS a file to
#      append the run's figures to as a Markdown table row (scripts/agent-bench.sh), BACKLOG
#      batches queued at once before the run (default 300; 0 for none).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
source scripts/node-lib.sh
MINUTES="${1:-10}"
RPM="${2:-30}"
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-300}"
BACKLOG="${BACKLOG:-300}"
for value in "$MINUTES" "$RPM"; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/node-soak.sh [MINUTES] [REQUESTS_PER_MINUTE]" >&2; exit 2; }
done
contracts_node >/dev/null || {
  echo "node-soak: no substrate-contracts-node on PATH or in CONTRACTS_NODE (scripts/install-node.sh installs it)" >&2
  exit 1
}

build_log="$(mktemp)"
echo "==> building the workspace (release; log in $build_log)"
build_workspace >"$build_log" 2>&1 || { tail -n 40 "$build_log" >&2; exit 1; }
rm -f "$build_log"
[ -f "$CARGO_TARGET_DIR/ink/proof_manager.contract" ] || bash scripts/build.sh
agent="$CARGO_TARGET_DIR/release/proof-manager-agent"
audit="$CARGO_TARGET_DIR/release/proof-manager-audit"
work="$(mktemp -d)"
port="$(free_port)"
url="ws://127.0.0.1:$port"
pids=()
cleanup() {
  local status=$?
  [ -n "${prom_pid:-}" ] && kill "$prom_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  stop_node
  if [ "${KEEP_LOGS:-0}" = 1 ] || [ "$status" -ne 0 ]; then
    echo "==> logs kept in $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT

echo "==> node: --dev --base-path $work/chain --state-pruning archive, RPC on 127.0.0.1:$port"
node_args=(--dev --base-path "$work/chain" --state-pruning archive)
start_node "$work/node.log" "$port" "${node_args[@]}"
fund=1000000000000
URL="$url" FUND="$fund" INITIAL_SUPPLY="$fund" DEPLOYMENTS_DIR="$work/deployments" \
  bash scripts/deploy.sh >"$work/deploy.log" 2>&1 || { cat "$work/deploy.log" >&2; exit 1; }
record="$(ls "$work"/deployments/*.json)"
field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["address"])' "$record" "$1"; }
manager="$(field proof_manager)"
usdc="$(field usdc)"
manager_bundle="$CARGO_TARGET_DIR/ink/proof_manager.contract"
token_bundle="$CARGO_TARGET_DIR/ink/psp22_mock.contract"
contract_call "$url" //Alice "$manager" "$manager_bundle" update_preferred_proving_network \
  'Some(Fermah)' >/dev/null
echo "==> deployed ProofManager $manager, token $usdc, funded with $fund; Fermah preferred"

finalized_number() {
  local hash
  hash="$(rpc "$url" chain_getFinalizedHead | tr -d '"')"
  rpc "$url" chain_getHeader "[\"$hash\"]" | python3 -c 'import json, sys; print(int(json.load(sys.stdin)["number"], 16))'
}

# The fault proxy between the agents and the node (its own test: scripts/rpc-fault-proxy-test.py).
python3 -c 'import websockets' 2>/dev/null || python3 -m pip install --quiet 'websockets==15.0.1'
python3 scripts/rpc-fault-proxy.py --listen-port 0 --upstream "$url" --seed 1 \
  --drop-per-mille 100 --delay-per-mille 30 --max-delay-ms 5000 --stats "$work/proxy.json" \
  >"$work/proxy.out" 2>"$work/proxy.log" &
proxy_pid=$!
pids+=("$proxy_pid")
for _ in $(seq 1 50); do
  grep -q "listening on" "$work/proxy.out" 2>/dev/null && break
  sleep 0.1
done
proxy_url="$(sed -n 's/^rpc-fault-proxy: listening on //p' "$work/proxy.out")"
[ -n "$proxy_url" ] || { cat "$work/proxy.log" >&2; echo "node-soak: the fault proxy did not start" >&2; exit 1; }
echo "==> agents reach the node through the fault proxy at $proxy_url"
first_month="$(date -u +%Y-%m)"

verify='[ "$(cat)" = "proof of $PROOF_REQUEST_ID" ]'
common=(--url "$proxy_url" --contract "$manager" --from 0 --poll-ms 200 --inclusion-timeout 20)
start_submitter() {
  exec "$agent" submitter run "${common[@]}" --suri //Alice --state "$work/submitter.sqlite" \
    --verify-cmd "$verify" --verify-timeout 30 --timeout-after 600000 "$@" >>"$work/submitter.log" 2>&1
}
start_fermah() {
  exec "$agent" network run --network fermah "${common[@]}" --suri //Bob --state "$work/fermah.sqlite" \
    --prove-cmd 'printf "proof of %s" "$PROOF_REQUEST_ID"' --price 0.8 --max-concurrent 16 \
    --claim-every 20 "$@" >>"$work/fermah.log" 2>&1
}
start_lagrange() {
  exec "$agent" network run --network lagrange "${common[@]}" --suri //Charlie --state "$work/lagrange.sqlite" \
    --prove-cmd 'sleep 1; case "$PROOF_REQUEST_ID" in *0) printf spoilt ;; *) printf "proof of %s" "$PROOF_REQUEST_ID" ;; esac' \
    --price 0.6 --max-concurrent 3 --claim-every 20 "$@" >>"$work/lagrange.log" 2>&1
}
start_follower() {
  exec "$audit" --db "$work/audit.sqlite" follow --url "$url" --contract "$manager" --from 0 \
    "$@" >>"$work/audit.log" 2>&1
}
# The long-running actors serve their metrics at the ports docs/operators/prometheus.yml
# scrapes, and a real Prometheus scrapes them with that file as is.
declare -A metrics_port=([submitter]=9616 [fermah]=9617 [lagrange]=9618 [follower]=9619)
watched() { echo --metrics-addr "127.0.0.1:${metrics_port[$1]}" --health-max-lag 30; }
for actor in "${!metrics_port[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/${metrics_port[$actor]}") 2>/dev/null; then
    echo "node-soak: port ${metrics_port[$actor]} (the $actor's, docs/operators/prometheus.yml) is taken" >&2
    exit 1
  fi
done
if ! command -v prometheus >/dev/null; then
  # Debian's package (2.42; promtool with it). Without its Recommends (node-exporter, which
  # would start a service of its own); the package lists are read first on a machine that has
  # none yet.
  echo "==> installing Debian's prometheus (the soak scrapes the actors with it)"
  install_started=$(date +%s)
  install_prometheus() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >>"$work/apt.log" 2>&1
  }
  install_prometheus || { apt-get update >>"$work/apt.log" 2>&1 && install_prometheus; } || {
    tail -n 20 "$work/apt.log" >&2
    echo "node-soak: cannot install prometheus (apt-get install -y prometheus failed; log above)" >&2
    exit 1
  }
  # The package's postinst may start its service on :9090; the soak runs its own.
  for unit in prometheus prometheus-node-exporter; do
    (service "$unit" stop || systemctl stop "$unit") >/dev/null 2>&1 || true
    (update-rc.d "$unit" disable || systemctl disable "$unit") >/dev/null 2>&1 || true
  done
  echo "==> prometheus installed in $(( $(date +%s) - install_started ))s"
fi
# Prometheus reads rule_files relative to its config: both files side by side, copied as is.
mkdir -p "$work/prometheus-config"
cp docs/operators/prometheus.yml docs/operators/alerts.yml "$work/prometheus-config/"
prom_port="$(free_port)"
prom="http://127.0.0.1:$prom_port"
prometheus --config.file="$work/prometheus-config/prometheus.yml" \
  --storage.tsdb.path="$work/prometheus" --web.listen-address="127.0.0.1:$prom_port" \
  >"$work/prometheus.log" 2>&1 &
prom_pid=$!
for _ in $(seq 1 100); do
  curl -s --max-time 2 "$prom/-/ready" >/dev/null 2>&1 && break
  kill -0 "$prom_pid" 2>/dev/null || break
  sleep 0.2
done
curl -s --max-time 2 "$prom/-/ready" >/dev/null 2>&1 || {
  tail -n 20 "$work/prometheus.log" >&2
  echo "node-soak: prometheus did not start with docs/operators/prometheus.yml" >&2
  exit 1
}
echo "==> prometheus $(prometheus --version 2>&1 | awk 'NR == 1 {print $3}') on $prom scrapes the actors at ports 9616-9619"
# Every request to an actor's exposition is bounded: one that does not answer is a finding
# (curl's code 000), not a hung soak.
health() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:${metrics_port[$1]}/health" || true; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# Resident memory of each actor's process, once a minute and at the end: the checks compare a
# process's first sample after its first minute with its last (the killed and restarted
# actors: the new process's).
rss_sample() {
  local now; now=$(date +%s)
  echo "$now submitter $submitter_pid $(rss_kb "$submitter_pid")
$now fermah $fermah_pid $(rss_kb "$fermah_pid")
$now lagrange $lagrange_pid $(rss_kb "$lagrange_pid")
$now follower $follower_pid $(rss_kb "$follower_pid")" >>"$work/rss-samples"
}
# Bad input refused before anything is sent: an address that is a contract but no ProofManager
# (the token), a key that cannot pay. Each must exit 2, say why, and leave no state file.
pre=()
refused() {
  local what="$1" says="$2" state="$3"; shift 3
  local status=0
  "$agent" "$@" >"$work/refused.log" 2>&1 || status=$?
  if [ "$status" = 2 ] && grep -q "$says" "$work/refused.log" && [ ! -e "$state" ]; then
    pre+=("ok: $what")
  else
    pre+=("FAILED: $what (exit $status: $(tr '\n' ' ' <"$work/refused.log"))")
  fi
}
refused "an address that is no ProofManager exits 2" "admin() does not answer" "$work/token.sqlite" \
  network run --network fermah --url "$url" --contract "$usdc" --suri //Bob --state "$work/token.sqlite" \
  --prove-cmd cat --until-block 1
refused "an unfunded key exits 2" "free balance is 0" "$work/unfunded.sqlite" \
  submitter run "${common[@]}" --suri //NoFunds --state "$work/unfunded.sqlite" \
  --verify-cmd true --until-block 1
printf '    %s\n' "${pre[@]}"

# Each start_* runs in a background subshell that execs the actor, so that $! is the actor's
# pid and a kill reaches it.
# The submitter's state file must exist before `enqueue`: one pass up to the current block.
(start_submitter --until-block "$(finalized_number)")
start_fermah $(watched fermah) & fermah_pid=$!
start_lagrange $(watched lagrange) & lagrange_pid=$!
start_follower $(watched follower) & follower_pid=$!
# A backlog, as a submitter service finds after an outage of its own: BACKLOG batches of chain 2
# queued, then the submitter's first step decides them all, more calls than one connection
# takes in flight (jsonrpsee's 256 requests, the node's 1,024 subscriptions): the driver sends
# them 64 at a time. Every one must be submitted (in a block the submitter read) within 600 s
# (80-190 s here): a driver that cannot get through the backlog fails its steps forever.
backlog_calls=0 backlog_fallbacks=0
if [ "$BACKLOG" -gt 0 ]; then
  for n in $(seq 1 "$BACKLOG"); do
    "$agent" submitter enqueue --state "$work/submitter.sqlite" --chain-id 2 --block "$n" \
      --url "https://inputs.example/2/$n" >/dev/null
  done
  unsent() {
    "$agent" submitter status --state "$work/submitter.sqlite" --json | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l)["chain_id"] == 2 and json.loads(l)["status"] in ("queued", "sent")))'
  }
  backlog_started=$(date +%s)
  start_submitter & backlog_pid=$!
  while [ "$(unsent)" -gt 0 ] && kill -0 "$backlog_pid" 2>/dev/null \
    && [ $(( $(date +%s) - backlog_started )) -lt 600 ]; do
    sleep 2
  done
  backlog_seconds=$(( $(date +%s) - backlog_started ))
  kill "$backlog_pid" 2>/dev/null || true
  wait "$backlog_pid" 2>/dev/null || true
  left="$(unsent)"
  if [ "$left" = 0 ]; then
    pre+=("ok: a backlog of $BACKLOG batches queued at once is submitted (in ${backlog_seconds} s)")
  else
    pre+=("FAILED: a backlog of $BACKLOG batches queued at once is submitted ($left not after ${backlog_seconds} s)")
  fi
  echo "==> backlog: ${pre[-1]}"
  # Calls and fallbacks the backlog's pass settled: the submitter's Prometheus counters start
  # after them.
  backlog_calls="$("$agent" outbox --state "$work/submitter.sqlite" --json | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l)["state"] in ("done", "abandoned")))')"
  backlog_fallbacks="$("$agent" submitter status --state "$work/submitter.sqlite" --json | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l)["status"].startswith("fallback")))')"
fi
start_submitter $(watched submitter) & submitter_pid=$!
sleep 2
pids=("$proxy_pid" "$submitter_pid" "$fermah_pid" "$lagrange_pid" "$follower_pid")

total=$(( MINUTES * RPM ))
interval="$(python3 -c "print(60 / $RPM)")"
echo "==> $total batches, one every ${interval}s, for $MINUTES minutes"
started=$(date +%s)
for n in $(seq 1 "$total"); do
  "$agent" submitter enqueue --state "$work/submitter.sqlite" --chain-id 1 --block "$n" \
    --url "https://inputs.example/1/$n" >/dev/null
  if [ "$n" -eq $(( total / 3 )) ]; then
    echo "==> fault: killing the follower and Fermah's agent (SIGKILL), restarting them"
    kill -9 "$follower_pid" "$fermah_pid"
    wait "$follower_pid" "$fermah_pid" 2>/dev/null || true
    start_fermah $(watched fermah) & fermah_pid=$!
    start_follower $(watched follower) & follower_pid=$!
    pids=("$proxy_pid" "$submitter_pid" "$fermah_pid" "$lagrange_pid" "$follower_pid")
  fi
  if [ "$n" -eq $(( total / 2 )) ]; then
    echo "==> fault: stopping the node for 20 s, restarting it on the same base path"
    stop_node
    sleep 10
    health submitter >"$work/health-down"
    sleep 10
    start_node "$work/node.log" "$port" "${node_args[@]}"
    # Back to 200 once the submitter reads blocks again and caught up (polled beside the
    # batches, for 90 s at most).
    (
      code="" until=$(( $(date +%s) + 90 ))
      while [ "$(date +%s)" -lt "$until" ]; do
        code="$(health submitter)"
        [ "$code" = 200 ] && break
        sleep 1
      done
      echo "$code" >"$work/health-up"
    ) &
    health_poller=$!
  fi
  [ $(( n % RPM )) -ne 0 ] || rss_sample
  sleep "$interval"
done
enqueued=$(( $(date +%s) - started ))
echo "==> enqueued $total batches in ${enqueued}s; waiting for the last ones"
# Every actor waits for the node through its restart rather than exiting.
alive=()
for pid in "$submitter_pid" "$fermah_pid" "$lagrange_pid" "$follower_pid"; do
  kill -0 "$pid" 2>/dev/null && alive+=("$pid")
done

final_count() {
  "$agent" submitter status --state "$work/submitter.sqlite" --json | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l)["status"] in ("validated",) or json.loads(l)["status"].startswith("fallback")))'
}
pending_calls() {
  local state total=0
  for state in submitter fermah lagrange; do
    total=$(( total + $("$agent" outbox --state "$work/$state.sqlite" --json \
      | grep -c '"state":"pending"' || true) ))
  done
  echo "$total"
}
drain_start=$(date +%s)
until [ "$(final_count)" -ge $(( total + BACKLOG )) ]; do
  if [ $(( $(date +%s) - drain_start )) -ge "$DRAIN_TIMEOUT" ]; then
    echo "node-soak: batches still open after ${DRAIN_TIMEOUT}s" >&2
    break
  fi
  sleep 2
done
drained=$(( $(date +%s) - started ))
# /metrics while the agents work: 200 scrapes of the submitter's.
for _ in $(seq 1 200); do
  curl -s -o /dev/null --max-time 5 -w '%{http_code} %{time_total}\n' \
    "http://127.0.0.1:${metrics_port[submitter]}/metrics" || true
done >"$work/metrics-latency"
[ -z "${health_poller:-}" ] || wait "$health_poller" 2>/dev/null || true
# Let the last claims and verdicts land: quiet once no agent's outbox changed for 15 s (three
# scrapes) and none holds a pending call (at most 120 s). Then Prometheus's last values are
# the agents' tables, read just after.
outbox_state() {
  for role in submitter fermah lagrange; do "$agent" outbox --state "$work/$role.sqlite" --json; done | md5sum
}
quiet_since=$(date +%s); last="$(outbox_state)"; quiet_start=$(date +%s)
while [ $(( $(date +%s) - quiet_start )) -lt 120 ]; do
  sleep 3
  now="$(outbox_state)"
  if [ "$now" != "$last" ] || [ "$(pending_calls)" -ne 0 ]; then
    last="$now"; quiet_since=$(date +%s)
  elif [ $(( $(date +%s) - quiet_since )) -ge 15 ]; then
    break
  fi
done
query() { curl -s --max-time 10 --get "$prom/api/v1/query" --data-urlencode "query=$1"; }
query 'sum by (job, outcome) (proof_manager_agent_calls_total)' >"$work/prom-calls.json"
query 'sum by (job) (proof_manager_agent_fallbacks_total)' >"$work/prom-fallbacks.json"
query 'sum by (job) (proof_manager_agent_reward_claimed_total)' >"$work/prom-claimed.json"
query 'max_over_time(up[1h])' >"$work/prom-up.json"
for role in submitter fermah lagrange; do
  "$agent" outbox --state "$work/$role.sqlite" --json >"$work/$role.outbox-at-query"
done
"$agent" submitter status --state "$work/submitter.sqlite" --json >"$work/submitter.status-at-query"
rss_sample
for pid in "$submitter_pid" "$fermah_pid" "$lagrange_pid" "$follower_pid"; do
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
pids=("$proxy_pid")
# Last passes of each agent up to the head, until no outbox holds a call without an outcome
# (for LAST_PASSES_TIMEOUT seconds at most, default 300): what a kill left in an outbox is
# settled from the chain (sent again only when it did not take effect), and a call sent in one
# pass is seen in its block by the next. A call whose submission was lost stays pending until
# its mortality (64 blocks) has passed; a dev node seals blocks only for extrinsics, so Dave
# approves the manager for 0 tokens every 2 s meanwhile, as a live chain goes on building blocks
# (at about the pace of one, well below the blocks an agent reads a second).
heartbeat() {
  while :; do
    cargo contract call --contract "$usdc" --message PSP22::approve --args "$manager" 0 \
      --suri //Dave --url "$url" --execute --skip-dry-run --gas 10000000000 --proof-size 1000000 \
      "$token_bundle" >>"$work/heartbeat.log" 2>&1 || true
    sleep 2
  done
}
heartbeat & heartbeat_pid=$!
pids+=("$heartbeat_pid")
passes_start=$(date +%s) round=0
while :; do
  round=$(( round + 1 ))
  (start_submitter --until-block "$(finalized_number)")
  (start_fermah --until-block "$(finalized_number)")
  (start_lagrange --until-block "$(finalized_number)")
  [ "$(pending_calls)" -eq 0 ] && break
  if [ $(( $(date +%s) - passes_start )) -ge "${LAST_PASSES_TIMEOUT:-300}" ]; then
    echo "node-soak: calls still pending after ${LAST_PASSES_TIMEOUT:-300}s of last passes" >&2
    break
  fi
  echo "==> last passes, round $round: $(pending_calls) calls still pending at block $(finalized_number)"
  sleep 3
done
kill "$heartbeat_pid" 2>/dev/null || true
wait "$heartbeat_pid" 2>/dev/null || true
pids=("$proxy_pid")
head="$(finalized_number)"
"$audit" --db "$work/audit.sqlite" follow --url "$url" --contract "$manager" --until-block "$head" \
  >>"$work/audit.log" 2>&1
# A run that crosses a month boundary is reported month by month: the checks add the months up.
last_month="$(date -u +%Y-%m)"
months=("$first_month")
[ "$last_month" = "$first_month" ] || months+=("$last_month")
for month in "${months[@]}"; do
  "$audit" --db "$work/audit.sqlite" report --month "$month" --json "$work/audit-$month.json" >/dev/null
done
"$audit" --db "$work/audit.sqlite" export "$work/events.jsonl" >/dev/null 2>&1
kill "$proxy_pid" 2>/dev/null || true
wait "$proxy_pid" 2>/dev/null || true
pids=()
balance="$(contract_read "$url" "$usdc" "$token_bundle" PSP22::balance_of "$manager" | plain)"

for role in submitter fermah lagrange; do
  "$agent" outbox --state "$work/$role.sqlite" --json >"$work/$role.outbox"
done
"$agent" submitter status --state "$work/submitter.sqlite" --json >"$work/batches.json"

status=0
python3 - "$work" "$total" "$fund" "$balance" "$head" "${#alive[@]}" "$drained" "$RPM" "$enqueued" "$BACKLOG" "$backlog_calls" "$backlog_fallbacks" "${pre[@]}" <<'PY' || status=$?
import json, sys
from collections import Counter

work, total, fund, balance, head = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
alive = int(sys.argv[6])
drained, rpm, enqueued, backlog = int(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10])
backlog_calls, backlog_fallbacks = int(sys.argv[11]), int(sys.argv[12])
pre = sys.argv[13:]
import glob
batches = [json.loads(l) for l in open(f"{work}/batches.json")]
# The month reports of the run, their counts added up per network.
report = {"networks": {}}
for path in sorted(glob.glob(f"{work}/audit-*.json")):
    for network, n in json.load(open(path))["networks"].items():
        into = report["networks"].setdefault(network, {})
        for key, value in n.items():
            if isinstance(value, int) and not isinstance(value, bool):
                into[key] = into.get(key, 0) + value
proxy = json.load(open(f"{work}/proxy.json"))
outboxes = {r: [json.loads(l) for l in open(f"{work}/{r}.outbox")] for r in ("submitter", "fermah", "lagrange")}
passed = failed = 0

def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f"    ok: {what}")
    else:
        failed += 1
        print(f"    FAILED: {what}")

for line in pre:
    check(line.startswith("ok: "), line.split(": ", 1)[1])
check(proxy["drops"] > 0 and proxy["messages_delayed"] > 0,
      f"the proxy dropped {proxy['drops']} of {proxy['submissions_seen']} submissions "
      f"(error {proxy['drops_error']}, dropped {proxy['drops_dropped']}, silent {proxy['drops_silent']}) "
      f"and delayed {proxy['messages_delayed']} answers (up to {proxy['largest_hold_ms']:.0f} ms)")
check(alive == 4, f"the submitter, both agents and the follower outlived the node's restart ({alive} of 4)")

final = [b for b in batches if b["status"] == "validated" or b["status"].startswith("fallback")]
check(len(batches) == total + backlog and len(final) == total + backlog,
      f"every one of the {total} batches and the {backlog} of the backlog is validated or fell back "
      f"({len(final)} of {len(batches)})")

# The auditor's outcomes per network against the submitter's table.
mine = Counter()
for b in batches:
    network = b["assigned_to"] or "none"
    s = b["status"]
    key = {"validated": "validated", "fallback: validation failed": "validation_failed",
           "fallback: refused by the network": "refused", "fallback: refused at assignment": "refused_at_assignment",
           "fallback: unacknowledged": "unacknowledged", "fallback: timed out": "timed_out"}.get(s, s)
    mine[(network, key)] += 1
theirs = Counter()
for network, n in report["networks"].items():
    for key in ("validated", "validation_failed", "refused", "refused_at_assignment", "unacknowledged", "timed_out"):
        if n[key]:
            theirs[(network, key)] += n[key]
check(mine == theirs, f"the auditor's outcomes equal the submitter's: {dict(sorted(theirs.items()))}")

claimed_audit = sum(n["rewards_claimed"] for n in report["networks"].values())
check(balance == fund - claimed_audit,
      f"the contract holds its funding minus the claims: {balance} = {fund} - {claimed_audit}")
claimed_agents = sum(int(c["outcome"].split()[1]) for r in ("fermah", "lagrange")
                     for c in outboxes[r] if c["outcome"] and c["outcome"].startswith("claimed"))
check(claimed_agents == claimed_audit,
      f"the agents' claims are the auditor's: {claimed_agents} = {claimed_audit}")

pending = [c for r in outboxes.values() for c in r if c["state"] == "pending"]
check(not pending, f"no call left without an outcome ({len(pending)} pending)")
abandoned = [c for r in outboxes.values() for c in r if c["state"] == "abandoned"]
check(not abandoned, f"no call abandoned ({len(abandoned)}: {[c['last_error'] for c in abandoned][:3]})")
retried = sum(1 for r in outboxes.values() for c in r if c["attempts"] > 1)
submits = Counter((c["call"]["Submit"]["id"]["chain_id"], c["call"]["Submit"]["id"]["block_number"])
                  for c in outboxes["submitter"] if "Submit" in c["call"]
                  and c["outcome"] and (c["outcome"].startswith("ok") or c["outcome"].startswith("already done")))
expected = sorted([(1, n) for n in range(1, total + 1)] + [(2, n) for n in range(1, backlog + 1)])
check(sorted(submits) == expected and all(v == 1 for v in submits.values()),
      f"each batch was submitted exactly once ({len(submits)} batches)")

# /health through the node's stop, and Prometheus's last values against the agents' tables
# read just after them (the agents quiet). Counters count from a process's start: Fermah's
# agent was killed and restarted, so its counts cover the restarted process only (at most its
# table's); the submitter's and Lagrange's ran throughout and equal their tables.
def text(name):
    try:
        return open(f"{work}/{name}").read().strip()
    except OSError:
        return "missing"
check(text("health-down") == "503", f"/health of the submitter with the node stopped: {text('health-down')}")
check(text("health-up") == "200", f"/health of the submitter once the node is back: {text('health-up')}")
def series(name):
    answer = json.load(open(f"{work}/prom-{name}.json"))
    return [(r["metric"], float(r["value"][1])) for r in answer["data"]["result"]]
up = {m["job"]: v for m, v in series("up")}
check(all(up.get(job) == 1 for job in ("submitter", "fermah", "lagrange", "follower")),
      f"Prometheus scraped all four actors with docs/operators/prometheus.yml: {up}")
at_query = {r: [json.loads(l) for l in open(f"{work}/{r}.outbox-at-query")] for r in ("submitter", "fermah", "lagrange")}
calls = Counter()
for m, v in series("calls"):
    calls[m["job"]] += int(v)
for role in ("submitter", "fermah", "lagrange"):
    table = sum(1 for c in at_query[role] if c["state"] in ("done", "abandoned"))
    if role == "submitter":
        table -= backlog_calls  # settled by the backlog's pass, before the watched process
    ok = calls[role] <= table if role == "fermah" else calls[role] == table
    check(ok, f"{role}: calls with an outcome, Prometheus {calls[role]} {'<=' if role == 'fermah' else '='} table {table}")
fallbacks = sum(int(v) for m, v in series("fallbacks") if m["job"] == "submitter")
statuses = [json.loads(l)["status"] for l in open(f"{work}/submitter.status-at-query")]
# Less the fallbacks the backlog's pass recorded, before the watched process.
fell = sum(1 for s in statuses if s.startswith("fallback")) - backlog_fallbacks
check(fallbacks == fell, f"submitter: fallbacks, Prometheus {fallbacks} = table {fell}")
claimed = {m["job"]: int(v) for m, v in series("claimed")}
for role in ("fermah", "lagrange"):
    table = sum(int(c["outcome"].split()[1]) for c in at_query[role]
                if c["outcome"] and c["outcome"].startswith("claimed"))
    got = claimed.get(role, 0)
    ok = got <= table if role == "fermah" else got == table
    check(ok, f"{role}: claimed, Prometheus {got} {'<=' if role == 'fermah' else '='} table {table}")
answers = [l.split() for l in open(f"{work}/metrics-latency") if l.strip()]
scrapes = sorted(float(t) * 1000 for code, t in answers if code == "200")
check(len(answers) == 200 and len(scrapes) == 200,
      f"the submitter's /metrics answered 200 GETs beside Prometheus's scrapes "
      f"({len(scrapes)} of {len(answers)} with 200; others: {Counter(c for c, _ in answers if c != '200')})")
if scrapes:
    print(f"==> /metrics of the submitter while it works: {len(scrapes)} scrapes, p50 "
          f"{scrapes[len(scrapes) // 2]:.1f} ms, p99 {scrapes[max(0, -(-99 * len(scrapes) // 100) - 1)]:.1f} ms")
samples = {}
for line in open(f"{work}/rss-samples"):
    t, actor, pid, kb = line.split()
    if int(kb) > 0:
        samples.setdefault(actor, {}).setdefault(pid, []).append((int(t), int(kb)))
memory = {}
for actor, by_pid in samples.items():
    runs = max(by_pid.values(), key=len)
    # A process sampled in its first minute is still warming up (a restarted one can be).
    runs = [r for r in runs if r[0] >= runs[0][0] + 60] or runs
    (t0, first), (t1, last) = runs[0], runs[-1]
    memory[actor] = (first, last, t1 - t0)
print("==> resident memory from a process's first sample to its last: " + "; ".join(
    f"{a} {f / 1024:.1f} -> {l / 1024:.1f} MB over {s} s" for a, (f, l, s) in sorted(memory.items())))
growth = max(((l / f, a) for a, (f, l, _) in memory.items() if f), default=(0, "none"))
p99 = f"{scrapes[max(0, -(-99 * len(scrapes) // 100) - 1)]:.1f}" if scrapes else "none"

latencies = sorted(c["latency_ms"] for r in outboxes.values() for c in r
                   if c["latency_ms"] is not None and c["outcome"] and not c["outcome"].startswith("refused"))
def pct(p):
    return latencies[max(0, -(-p * len(latencies) // 100) - 1)] if latencies else None
# Acknowledgement latency from the chain's events: a request's submission to its network's
# acknowledgement, in block time and in blocks (a dev node seals a block per batch of
# extrinsics, so blocks here count the agents' sends, not a block time).
submitted, acked = {}, []
for line in open(f"{work}/events.jsonl"):
    e = json.loads(line)
    if "event" not in e:
        continue  # the observed window
    (name, body), = e["event"].items()
    key = (body.get("chain_id"), body.get("block_number"))
    if name == "ProofRequestSubmitted":
        submitted[key] = (e["block_number"], e["block_time_ms"])
    elif name == "ProofRequestAcknowledged" and key in submitted:
        block, time_ms = submitted[key]
        acked.append((e["block_time_ms"] - time_ms, e["block_number"] - block))
def pct_of(values, p):
    values = sorted(values)
    return values[max(0, -(-p * len(values) // 100) - 1)] if values else None
ack_ms = [ms for ms, _ in acked]
ack_blocks = [b for _, b in acked]
print(f"==> acknowledgement latency ({len(acked)} acknowledgements): p50 {pct_of(ack_ms, 50)} ms / "
      f"{pct_of(ack_blocks, 50)} blocks, p95 {pct_of(ack_ms, 95)} ms / {pct_of(ack_blocks, 95)} blocks")
extrinsics = sum(1 for r in outboxes.values() for c in r if (c["outcome"] or "").startswith(("ok", "claimed")))
validated = sum(1 for b in batches if b["status"] == "validated")
print(f"==> summary: {total} batches and a backlog of {backlog} ({validated} validated, "
      f"{total + backlog - validated} fell back), "
      f"{extrinsics} extrinsics, {head} blocks, inclusion latency p50 {pct(50)} ms, p95 {pct(95)} ms; "
      f"{retried} calls needed more than one attempt")
rate = total * 60 / max(drained, 1)
print(f"==> end to end: {total} batches enqueued at {rpm}/min (in {enqueued} s, with the node's 20 s "
      f"stop) were all final {drained} s after the first, {drained - enqueued} s after the last: "
      f"{rate:.0f} batches/min")
with open(f"{work}/bench.md", "w") as out:
    out.write(f"| {rpm} | {total} | {validated} | {enqueued} | {drained - enqueued} | {rate:.0f} | {pct(50)} | {pct(95)} | "
              f"{pct_of(ack_ms, 50)} / {pct_of(ack_ms, 95)} | {p99} | {growth[0]:.2f} ({growth[1]}) | {'ok' if failed == 0 else f'{failed} checks failed'} |\n")
print(f"node-soak: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
# scripts/agent-bench.sh collects one row per rate.
if [ -n "${BENCH_ROWS:-}" ] && [ -f "$work/bench.md" ]; then
  cat "$work/bench.md" >>"$BENCH_ROWS"
fi
exit "$status"
