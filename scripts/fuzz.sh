#!/usr/bin/env bash
# The long run of the model test (e2e/tests/model): random call sequences on the release bundles
# in drink, compared step by step with the reference model. Builds the bundles first.
#
# Usage: scripts/fuzz.sh [SEED]     SEED: a u64; default: the current time, printed for replay.
# Env:
#   MODEL_CASES     sequences to run (default 10000)
#   MODEL_STEPS     most steps per sequence (default 200)
#   MODEL_PROGRESS  a progress line every this many sequences (default 500; 0 for none)
#   CARGO_TARGET_DIR (see scripts/env.sh)
# A failure prints the shrunk sequence; replay it with the same SEED, MODEL_CASES, MODEL_STEPS.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
SEED="${1:-$(date +%s)}"
if ! [[ "$SEED" =~ ^[0-9]+$ ]]; then
  echo "error: SEED must be an unsigned integer, got '$SEED'" >&2
  exit 2
fi
export MODEL_SEED="$SEED"
export MODEL_CASES="${MODEL_CASES:-10000}"
export MODEL_STEPS="${MODEL_STEPS:-200}"
export MODEL_PROGRESS="${MODEL_PROGRESS:-500}"

bash scripts/build.sh
build_workspace >/dev/null
echo "==> model test: $MODEL_CASES sequences of 1 to $MODEL_STEPS steps, seed $MODEL_SEED"
output="$(mktemp)"
trap 'rm -f "$output"' EXIT
start=$(date +%s)
status=0
cargo test --workspace --release --locked --test model -- \
  --exact random_sequences_match_the_model --nocapture 2>&1 | tee "$output" || status=$?
wall=$(( $(date +%s) - start ))
# A filter that matches no test would pass with nothing checked.
if ! grep -q '^test result: ok. 1 passed' "$output"; then
  [ "$status" -ne 0 ] || echo "error: the model test did not run (no test matched)" >&2
  status=1
fi
# The test prints "model: N cases (...), S steps, ...".
steps="$(sed -n 's/^model: .*, \([0-9]*\) steps, .*/\1/p' "$output" | tail -1)"
echo "==> fuzz: cases $MODEL_CASES, steps ${steps:-unknown} (at most $MODEL_STEPS per case)," \
  "seed $MODEL_SEED, wall time ${wall}s, $([ "$status" -eq 0 ] && echo passed || echo FAILED)"
exit "$status"
