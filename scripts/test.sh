#!/usr/bin/env bash
# Everything CI checks: toolchain, release bundles, formatting, clippy, every test
# (contract unit tests, the psp22 crate's suite on the mock, the drink suite on the bundles).
# Env: CARGO_TARGET_DIR (see scripts/env.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
start=$(date +%s)
bash scripts/build.sh
echo "==> cargo fmt --all --check"
cargo fmt --all --check
echo "==> cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "==> cargo test --workspace --release (release: the drink chain runs ~10x faster)"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
cargo test --workspace --release 2>&1 | tee "$results"
echo "==> all checks passed in $(( $(date +%s) - start ))s"
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tests: %d passed, %d failed\n", passed, failed }' "$results"
