#!/usr/bin/env bash
# The agents, proof-manager-agent, from this workspace's release build: builds the workspace the
# way every script does (a no-op when it is up to date), then runs the agent with the arguments
# given, in the current directory, and exits with its exit code (0 done, 1 a failure while
# running, 2 bad input, 3 the network's key was rotated away).
#   scripts/agent.sh submitter run --url ws://127.0.0.1:9944 --contract 5G... \
#     --key-file submitter.key --state submitter.sqlite --verify-cmd ./verify.sh
#   scripts/agent.sh submitter enqueue --state submitter.sqlite --chain-id 324 --block 51203 \
#     --url https://inputs.example/324/51203
#   scripts/agent.sh network run --network fermah --url ws://127.0.0.1:9944 --contract 5G... \
#     --key-file fermah.key --state fermah.sqlite --prove-cmd ./prove.sh --claim-every 3600
#   scripts/agent.sh --help
# Standard output is the agent's alone. The build's messages go to a log, printed on standard
# error only when the build fails (then the script exits with cargo's status).
# Env: CARGO_TARGET_DIR (see scripts/env.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
mkdir -p "$CARGO_TARGET_DIR"
log="$CARGO_TARGET_DIR/agent-build.log"
echo "==> scripts/agent.sh: building the workspace (release; log: $log)" >&2
status=0
build_workspace >/dev/null 2>"$log" || status=$?
if [ "$status" != 0 ]; then
  cat "$log" >&2
  exit "$status"
fi
exec "$CARGO_TARGET_DIR/release/proof-manager-agent" "$@"
