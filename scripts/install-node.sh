#!/usr/bin/env bash
# Installs substrate-contracts-node (crates.io package `contracts-node`), the local chain the
# ink_e2e node backend and scripts/node-smoke.sh run against. Does nothing when the binary is
# already on PATH or at $CONTRACTS_NODE.
#
# A full Substrate build: ~46 min for the host part and ~25 more for the runtimes and the link
# on 2 cores, ~9 GB of target dir. Run it in the background, e.g.
#   nohup scripts/install-node.sh > /tmp/install-node.log 2>&1 &
# It is never on the CI path of a fresh machine: scripts/test.sh only uses a node that is there.
#
# Env:
#   CONTRACTS_NODE             path of an existing binary (skips the install when executable)
#   CONTRACTS_NODE_VERSION     crate version (default 0.41.0: pallet-contracts, the match for ink! 5)
#   CONTRACTS_NODE_TARGET_DIR  build dir (default ~/.cache/contracts-node-target)
#   WASM_BUILD_TOOLCHAIN       toolchain for the runtimes' WASM (default 1.81.0, see below)
#   NICE                       niceness of the build (default 10, so other work stays responsive)
#
# Why the two environment variables (measured on this machine kind with 0.41.0):
# - WASM_BUILD_WORKSPACE_HINT: the runtimes' WASM builds run in their own workspace and cannot
#   see the crate's Cargo.lock; without the hint they re-resolve every dependency to today's
#   newest versions and fail on any Rust. The hint points them at the unpacked crate.
# - WASM_BUILD_TOOLCHAIN=1.81.0: old sp-io does not compile with Rust >= 1.88, and with 1.87 the
#   node builds but dies at start (the runtime imports `rust_begin_unwind` from the host).
set -euo pipefail

CONTRACTS_NODE_VERSION="${CONTRACTS_NODE_VERSION:-0.41.0}"
CONTRACTS_NODE_TARGET_DIR="${CONTRACTS_NODE_TARGET_DIR:-$HOME/.cache/contracts-node-target}"
WASM_BUILD_TOOLCHAIN="${WASM_BUILD_TOOLCHAIN:-1.81.0}"
NICE="${NICE:-10}"
export PATH="$HOME/.cargo/bin:$PATH"
BIN=substrate-contracts-node

if [ -n "${CONTRACTS_NODE:-}" ] && [ -x "$CONTRACTS_NODE" ]; then
  echo "==> CONTRACTS_NODE=$CONTRACTS_NODE is there: $("$CONTRACTS_NODE" --version)"
  exit 0
fi
if command -v "$BIN" >/dev/null 2>&1; then
  echo "==> $BIN is on PATH: $(command -v "$BIN") ($("$BIN" --version))"
  exit 0
fi

missing=()
for pkg in protobuf-compiler clang libclang-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "==> installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
else
  echo "==> Debian packages present: protobuf-compiler clang libclang-dev"
fi

if ! rustup run "$WASM_BUILD_TOOLCHAIN" rustc --version >/dev/null 2>&1; then
  echo "==> installing Rust $WASM_BUILD_TOOLCHAIN for the runtimes' WASM"
  rustup toolchain install "$WASM_BUILD_TOOLCHAIN" --profile minimal \
    -c rust-src -t wasm32-unknown-unknown
fi

# The host part builds with the machine's default toolchain: run from $HOME, away from the
# repo's rust-toolchain.toml. `cargo info` downloads and unpacks the crate with its Cargo.lock,
# in the same registry folder `cargo install` will use.
cd "$HOME"
echo "==> unpacking contracts-node $CONTRACTS_NODE_VERSION (cargo info)"
cargo info "contracts-node@$CONTRACTS_NODE_VERSION" >/dev/null
crate_dir=""
for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"contracts-node-$CONTRACTS_NODE_VERSION"; do
  [ -f "$dir/Cargo.lock" ] && crate_dir="$dir"
done
if [ -z "$crate_dir" ]; then
  echo "error: cargo did not unpack contracts-node-$CONTRACTS_NODE_VERSION with its Cargo.lock" >&2
  exit 1
fi

echo "==> cargo install contracts-node $CONTRACTS_NODE_VERSION --locked (about 70 minutes)"
echo "    WASM_BUILD_WORKSPACE_HINT=$crate_dir"
echo "    WASM_BUILD_TOOLCHAIN=$WASM_BUILD_TOOLCHAIN"
echo "    CARGO_TARGET_DIR=$CONTRACTS_NODE_TARGET_DIR, nice $NICE"
start=$(date +%s)
WASM_BUILD_WORKSPACE_HINT="$crate_dir" \
WASM_BUILD_TOOLCHAIN="$WASM_BUILD_TOOLCHAIN" \
CARGO_TARGET_DIR="$CONTRACTS_NODE_TARGET_DIR" \
  nice -n "$NICE" cargo install contracts-node --version "$CONTRACTS_NODE_VERSION" --locked
echo "==> built in $(( ($(date +%s) - start) / 60 )) min: $(command -v "$BIN") ($("$BIN" --version))"
