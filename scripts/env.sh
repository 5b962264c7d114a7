# Sourced by every script: shared settings and the toolchain they need.
#   CARGO_TARGET_DIR       build cache, outside the clone so clean clones reuse it
#                          (default: ~/.cache/proof-manager-ink/target)
#   CARGO_CONTRACT_VERSION cargo-contract to install when missing (default: 5.0.3)
# The Rust toolchain itself (1.91.0 + wasm32 + rust-src) is pinned by rust-toolchain.toml and
# installed here when missing.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/proof-manager-ink/target}"
CARGO_CONTRACT_VERSION="${CARGO_CONTRACT_VERSION:-5.0.3}"
export PATH="$HOME/.cargo/bin:$PATH"

ensure_toolchain() {
  local channel
  channel="$(sed -n 's/^channel = "\(.*\)"/\1/p' "$REPO_ROOT/rust-toolchain.toml")"
  if ! rustup run "$channel" rustc --version >/dev/null 2>&1; then
    echo "==> installing Rust $channel"
    rustup toolchain install "$channel" --profile minimal \
      -c rust-src -c clippy -c rustfmt -t wasm32-unknown-unknown
  fi
  echo "==> toolchain: $(cd "$REPO_ROOT" && rustc --version) (pinned by rust-toolchain.toml)"
  if [ "$(cargo contract --version 2>/dev/null | awk '{print $2}' | cut -d- -f1)" != "$CARGO_CONTRACT_VERSION" ]; then
    echo "==> installing cargo-contract $CARGO_CONTRACT_VERSION (about 25 minutes on 2 cores)"
    # Outside the repo, so the machine's default toolchain builds the tool, not the pinned one.
    (cd "$HOME" && cargo install cargo-contract --version "$CARGO_CONTRACT_VERSION" --locked)
  fi
  # cargo-contract 5 names itself "cargo-contract-contract" in `--version`.
  echo "==> cargo-contract $(cargo contract --version | awk '{print $2}')"
}

# Prints the substrate-contracts-node binary to run, or fails: $CONTRACTS_NODE_BIN, else
# $CONTRACTS_NODE unless it is scripts/loopback-node.sh (the wrapper e2e.sh hands to ink_e2e),
# else `substrate-contracts-node` on PATH.
contracts_node() {
  local candidate
  for candidate in "${CONTRACTS_NODE_BIN:-}" "${CONTRACTS_NODE:-}"; do
    if [ -n "$candidate" ] && [ "$(basename "$candidate")" != loopback-node.sh ] && [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  command -v substrate-contracts-node
}
