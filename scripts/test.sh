#!/usr/bin/env bash
# Everything CI checks: toolchain, release bundles, formatting, clippy (inside the build), every
# test (contract unit tests, the psp22 crate's suite on the mock and the hostile token, the
# drink suites on the bundles: examples, model, hostile; the ink_e2e suite on the sandbox; the
# simulator's known answers, bad input, policies and engine agreement), the quick benchmark,
# deploy.sh's guard against the dev accounts on chains that are not development chains (against
# a stub node), and, when substrate-contracts-node is installed, the ink_e2e node backend, the
# node smoke test, the auditor against a node (audit/node-test.sh) and a 2-minute soak of every
# actor with faults (scripts/node-soak.sh). Ends with `tests: N passed, M failed, K skipped` and
# what was skipped.
# Env: CARGO_TARGET_DIR (see scripts/env.sh); CONTRACTS_NODE (see scripts/e2e.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
start=$(date +%s)
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

ensure_rust
echo "==> cargo fmt --all --check"
cargo fmt --all --check
start_cargo_contract_install
build_workspace
wait_cargo_contract_install
bash scripts/build.sh
echo "==> cargo test --workspace --release (release: the drink chain runs ~10x faster)"
cargo test --workspace --release --locked 2>&1 | tee "$results/cargo-test"
echo "==> scripts/bench.sh --quick (the benchmark must keep running; figures in BENCHMARKS.md)"
SKIP_BUILD=1 bash scripts/bench.sh --quick
echo "==> scripts/deploy-guard-test.sh (no dev-account defaults off development chains; a stub node)"
bash scripts/deploy-guard-test.sh 2>&1 | tee "$results/deploy-guard"

# What did not run, by name and test count: the closing line counts it as skipped. The ink_e2e
# node backend's tests are ignored by the run above and run here when a node is installed.
skipped=()
smoke_skipped=0
ignored="$(awk '/^test result:/ { n += $8 } END { print n + 0 }' "$results/cargo-test")"
if node="$(contracts_node 2>/dev/null)"; then
  echo "==> the ink_e2e node backend on $node"
  E2E_BACKENDS=node bash scripts/e2e.sh 2>&1 | tee "$results/e2e-node"
  ran="$(awk '/^test result:/ { n += $4 + $6 } END { print n + 0 }' "$results/e2e-node")"
  ignored=$((ignored - ran))
  echo "==> scripts/node-smoke.sh on $node"
  bash scripts/node-smoke.sh 2>&1 | tee "$results/node-smoke"
  echo "==> audit/node-test.sh on $node"
  AUDIT_BIN="$CARGO_TARGET_DIR/release/proof-manager-audit" bash audit/node-test.sh 2>&1 \
    | tee "$results/audit-node"
  echo "==> scripts/node-soak.sh 2 30 on $node (2 minutes of batches, then the drain)"
  bash scripts/node-soak.sh 2 30 2>&1 | tee "$results/node-soak"
else
  echo "==> ink_e2e node backend, node smoke test, auditor node test and node soak SKIPPED: no" \
    "substrate-contracts-node on PATH or in CONTRACTS_NODE (scripts/install-node.sh, ~70 minutes)"
  # The checks each script makes when it runs.
  skipped+=("node smoke test (1)" "auditor node test (8)" "node soak (22)")
  smoke_skipped=$((1 + 8 + 21))
fi
[ "$ignored" -eq 0 ] || skipped+=("ink_e2e node backend ($ignored)")
skip_count=$((ignored + smoke_skipped))
echo "==> all checks passed in $(( $(date +%s) - start ))s"
# cargo's own summaries and the script tests' closing lines.
counts="$(cat "$results"/* | awk '
  /^test result:/ { passed += $4; failed += $6 }
  /^(node-smoke|audit-node|node-soak|deploy-guard): [0-9]+ passed, [0-9]+ failed$/ { passed += $2; failed += $4 }
  END { printf "%d passed, %d failed", passed, failed }')"
echo "tests: $counts, $skip_count skipped"
for what in "${skipped[@]}"; do
  echo "  skipped: $what"
done
