#!/usr/bin/env bash
# Builds the workspace and the contract bundles, then runs one full ProofManager lifecycle on
# drink's embedded chain and prints its timeline (see e2e/src/bin/demo.rs).
# The build is the one scripts/test.sh uses (build_workspace in scripts/env.sh), so the tests
# that follow the demo compile nothing more. A missing cargo-contract installs meanwhile.
# Env: CARGO_TARGET_DIR (see scripts/env.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
start=$(date +%s)
ensure_rust
start_cargo_contract_install
build_workspace
wait_cargo_contract_install
echo "==> building the contract bundles"
bash scripts/build.sh
echo "==> running the lifecycle demo on drink's embedded chain (built and ready in $(( $(date +%s) - start ))s)"
"$CARGO_TARGET_DIR/release/demo"
