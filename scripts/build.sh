#!/usr/bin/env bash
# Builds the release bundles of the contracts into $CARGO_TARGET_DIR/ink: proof_manager.contract,
#   psp22_mock/psp22_mock.contract and the test-only hostile_token/hostile_token.contract.
# Env: CARGO_TARGET_DIR (see scripts/env.sh), BUILD_MODE=--release (or empty for debug).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
ensure_toolchain
BUILD_MODE="${BUILD_MODE---release}"
for manifest in Cargo.toml psp22_mock/Cargo.toml hostile_token/Cargo.toml; do
  echo "==> cargo contract build $BUILD_MODE --manifest-path $manifest"
  cargo contract build $BUILD_MODE --quiet --manifest-path "$manifest"
done
echo "==> bundles in $CARGO_TARGET_DIR/ink:"
ls -l "$CARGO_TARGET_DIR/ink/proof_manager.contract" "$CARGO_TARGET_DIR/ink/psp22_mock/psp22_mock.contract" \
  "$CARGO_TARGET_DIR/ink/hostile_token/hostile_token.contract"
