#!/usr/bin/env bash
# Everything CI checks: toolchain, release bundles, formatting, clippy, every test (contract unit
# tests, the psp22 crate's suite on the mock, the drink suites on the bundles: examples, model,
# hostile), the quick benchmark, the ink_e2e suite (sandbox backend always, node backend when
# a node is installed) and, when a node is installed, the node smoke test.
# Env: CARGO_TARGET_DIR (see scripts/env.sh); CONTRACTS_NODE (see scripts/e2e.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
start=$(date +%s)
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

bash scripts/build.sh
echo "==> cargo fmt --all --check"
cargo fmt --all --check
echo "==> cargo clippy --workspace --all-targets --features proof_manager_e2e/e2e-tests -- -D warnings"
cargo clippy --workspace --all-targets --features proof_manager_e2e/e2e-tests --quiet -- -D warnings
echo "==> cargo test --workspace --release (release: the drink chain runs ~10x faster)"
cargo test --workspace --release 2>&1 | tee "$results/cargo-test"
echo "==> scripts/bench.sh --quick (the benchmark must keep running; figures in BENCHMARKS.md)"
SKIP_BUILD=1 bash scripts/bench.sh --quick
echo "==> scripts/e2e.sh"
bash scripts/e2e.sh 2>&1 | tee "$results/e2e"
# What did not run, by name and test count: the closing line counts it as skipped.
skipped=()
skip_count=0
if node="$(contracts_node 2>/dev/null)"; then
  echo "==> scripts/node-smoke.sh on $node"
  bash scripts/node-smoke.sh 2>&1 | tee "$results/node-smoke"
else
  echo "==> node smoke test SKIPPED: no substrate-contracts-node on PATH or in CONTRACTS_NODE" \
    "(scripts/install-node.sh installs it, ~70 minutes)"
  skipped+=("node smoke test (1)")
  skip_count=$((skip_count + 1))
fi
node_skipped="$(sed -n 's/^e2e: .*, \([0-9]*\) skipped$/\1/p' "$results/e2e")"
if [ "${node_skipped:-0}" -gt 0 ]; then
  skipped+=("ink_e2e node backend ($node_skipped)")
  skip_count=$((skip_count + node_skipped))
fi
echo "==> all checks passed in $(( $(date +%s) - start ))s"
# cargo's own summaries (the e2e suite's included) and the smoke test's closing line.
counts="$(cat "$results"/* | awk '
  /^test result:/ { passed += $4; failed += $6 }
  /^node-smoke: [0-9]+ passed, [0-9]+ failed$/ { passed += $2; failed += $4 }
  END { printf "%d passed, %d failed", passed, failed }')"
echo "tests: $counts, $skip_count skipped"
for what in "${skipped[@]}"; do
  echo "  skipped: $what"
done
