#!/usr/bin/env bash
# Builds the release bundles of the contracts into $CARGO_TARGET_DIR/ink: proof_manager.contract,
# psp22_mock.contract, and for the tests hostile_token.contract and
# proof_manager_other_rules.contract (ProofManager with other deadline rules, for the upgrade
# tests), each with its .wasm and .json.
# Env: CARGO_TARGET_DIR (see scripts/env.sh), BUILD_MODE=--release (or empty for debug).
#
# Every bundle builds from this workspace's Cargo.lock. cargo-contract 5.0.3 builds a contract
# from a copy of its manifest in a temporary directory and copies `<workspace root>/Cargo.lock`
# beside the copy's root (contract-build's `Workspace::using_temp`); a workspace member's
# manifest lands in a subdirectory of the copy with an empty `[workspace]`
# (`Manifest::with_empty_workspace`), so cargo would not find that lock and would resolve the
# member's dependencies afresh from the registry. The other contracts are therefore built as
# standalone crates: their files and the workspace lock, staged under
# $CARGO_TARGET_DIR/standalone. Built into the same target directory from the same lock, all
# of them share one dependency build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
ensure_toolchain
BUILD_MODE="${BUILD_MODE---release}"
STANDALONE="$CARGO_TARGET_DIR/standalone"

# stage NAME FILES...: copies FILES (the last one the manifest, without its [workspace] table)
# into $STANDALONE/NAME as a standalone crate with this workspace's lock.
stage() {
  local name="$1" staged="$STANDALONE/$1"
  shift
  rm -rf "$staged"
  mkdir -p "$staged"
  local manifest="${*: -1}"
  cp "${@:1:$#-1}" "$staged/"
  awk '/^\[workspace\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' "$manifest" > "$staged/Cargo.toml"
  printf '\n[workspace]\n' >> "$staged/Cargo.toml"
  cp Cargo.lock "$staged/Cargo.lock"
}

build() {
  echo "==> cargo contract build $BUILD_MODE $*"
  # Without the clippy wrapper build_workspace exports for the host build: clippy-driver
  # compiles with other MIR optimisations, so a bundle built under it differs from the one
  # bench.sh measures (36,415 against 36,729 bytes, measured).
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS cargo contract build $BUILD_MODE --quiet "$@"
}

build --manifest-path Cargo.toml
for crate in psp22_mock hostile_token; do
  stage "$crate" "$crate"/*.rs "$crate/Cargo.toml"
  build --manifest-path "$STANDALONE/$crate/Cargo.toml"
done
stage proof_manager_other_rules ./*.rs Cargo.toml
sed -i 's/^name = "proof_manager"$/name = "proof_manager_other_rules"/' \
  "$STANDALONE/proof_manager_other_rules/Cargo.toml"
build --manifest-path "$STANDALONE/proof_manager_other_rules/Cargo.toml" \
  --features other-deadline-rules
echo "==> bundles in $CARGO_TARGET_DIR/ink:"
ls -l "$CARGO_TARGET_DIR"/ink/{proof_manager,psp22_mock,hostile_token,proof_manager_other_rules}.contract
