#!/usr/bin/env bash
# Runs the ink_e2e suite (e2e/tests/ink_e2e): the same test bodies on two backends, both
# deploying the release bundles of scripts/build.sh (built here when missing).
#   sandbox  ink_e2e's in-process runtime: always.
#   node     a substrate-contracts-node per test (through scripts/loopback-node.sh): when
#            CONTRACTS_NODE_BIN or CONTRACTS_NODE is set or substrate-contracts-node is on PATH;
#            otherwise its tests are SKIPPED and counted. They are `#[ignore]`d in plain
#            `cargo test` runs and run here with `--ignored`.
# A backend that runs no test fails: a filter that matches nothing is not a pass.
# Prints `e2e: N passed, M failed, K skipped`.
# Env: CARGO_TARGET_DIR (see scripts/env.sh), CONTRACTS_NODE_BIN or CONTRACTS_NODE (the node
#      binary; see contracts_node in scripts/env.sh), E2E_FILTER (a test name filter within each
#      backend, default: every test), E2E_BACKENDS (default: sandbox, and node when installed).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
E2E_FILTER="${E2E_FILTER:-}"
build_workspace >/dev/null
[ -f "$CARGO_TARGET_DIR/ink/proof_manager.wasm" ] || bash scripts/build.sh

node=""
if node="$(contracts_node 2>/dev/null)"; then
  # ink_e2e spawns $CONTRACTS_NODE per test; the wrapper keeps its networking on loopback.
  export CONTRACTS_NODE_BIN="$node" CONTRACTS_NODE="$REPO_ROOT/scripts/loopback-node.sh"
fi
read -r -a backends <<< "${E2E_BACKENDS:-sandbox${node:+ node}}"

test_cmd=(cargo test --workspace --release --locked --test ink_e2e --)
skipped=0
if [ -z "$node" ]; then
  skipped="$("${test_cmd[@]}" --list --ignored "node::$E2E_FILTER" 2>/dev/null | grep -c ': test$' || true)"
  echo "==> node backend SKIPPED ($skipped tests): no substrate-contracts-node on PATH or in" \
    "CONTRACTS_NODE (scripts/install-node.sh installs it)"
fi
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
count='/^test result:/ { passed += $4; failed += $6 } END { printf "%d passed, %d failed", passed, failed }'
status=0
for backend in "${backends[@]}"; do
  description="ink_e2e's sandbox runtime"
  args=("$backend::$E2E_FILTER")
  if [ "$backend" = node ]; then
    [ -n "$node" ] || { echo "error: E2E_BACKENDS names node, but no node is installed" >&2; exit 1; }
    description="$node ($("$node" --version)) through scripts/loopback-node.sh"
    args=(--ignored "${args[@]}")
  fi
  echo "==> $backend backend: $description"
  start=$(date +%s)
  "${test_cmd[@]}" "${args[@]}" 2>&1 | tee "$results/$backend" || status=1
  ran="$(awk '/^test result:/ { n += $4 + $6 } END { print n + 0 }' "$results/$backend")"
  if [ "$ran" -eq 0 ]; then
    echo "error: the $backend backend ran no test (filter '$backend::$E2E_FILTER')" >&2
    status=1
  fi
  echo "==> $backend backend: $(awk "$count" "$results/$backend") in $(( $(date +%s) - start ))s"
done
echo "==> backends run: ${backends[*]}"
echo "e2e: $(cat "$results"/* | awk "$count"), $skipped skipped"
exit "$status"
