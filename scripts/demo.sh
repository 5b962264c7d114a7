#!/usr/bin/env bash
# Builds both contract bundles, then runs one full ProofManager lifecycle on drink's embedded
# chain and prints its timeline (see e2e/src/bin/demo.rs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# env.sh exports CARGO_TARGET_DIR, where build.sh puts the bundles and the demo reads them.
if [ -f scripts/env.sh ]; then
  source scripts/env.sh
fi
echo "==> building the contract bundles"
bash scripts/build.sh
echo "==> running the lifecycle demo on drink's embedded chain"
cargo run -p proof_manager_e2e --release --bin demo
