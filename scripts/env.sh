# Sourced by every script: shared settings, the toolchain they need, and the one way the
# workspace is compiled.
#   CARGO_TARGET_DIR       build cache, outside the clone so clean clones reuse it
#                          (default: ~/.cache/proof-manager-ink/target)
#   CARGO_CONTRACT_VERSION cargo-contract to install when missing (default: 5.0.3)
# The Rust toolchain itself (1.91.0 + wasm32 + rust-src + clippy) is pinned by
# rust-toolchain.toml and installed here when missing.
#
# Every script compiles the workspace with `build_workspace`: one cargo invocation (every
# package, every target, release, dev-dependencies included) whose artifacts serve the demo, the
# benchmark and every test. Cargo unifies features over the packages and targets it builds, so a
# narrower build (`cargo run -p ... --bin demo`) would compile parts of the dependency tree a
# second time with other features. clippy runs inside that build, as the workspace crates'
# compiler wrapper, instead of a separate `cargo clippy` that checks the whole tree again.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/proof-manager-ink/target}"
CARGO_CONTRACT_VERSION="${CARGO_CONTRACT_VERSION:-5.0.3}"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"
TOOLCHAIN="$(sed -n 's/^channel = "\(.*\)"/\1/p' "$REPO_ROOT/rust-toolchain.toml")"

ensure_rust() {
  if ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1; then
    echo "==> installing Rust $TOOLCHAIN"
    rustup toolchain install "$TOOLCHAIN" --profile minimal \
      -c rust-src -c clippy -c rustfmt -t wasm32-unknown-unknown
  fi
  echo "==> toolchain: $(cd "$REPO_ROOT" && rustc --version) (pinned by rust-toolchain.toml)"
}

have_cargo_contract() {
  # cargo-contract 5 names itself "cargo-contract-contract" in `--version`.
  [ "$(cargo contract --version 2>/dev/null | awk '{print $2}' | cut -d- -f1)" = "$CARGO_CONTRACT_VERSION" ]
}

install_cargo_contract() {
  echo "==> installing cargo-contract $CARGO_CONTRACT_VERSION (about 20 minutes on 2 cores)"
  # Outside the repo, so the machine's default toolchain builds the tool, not the pinned one;
  # in cargo's own temporary target directory, so it does not wait for the lock of the
  # workspace's target directory while `build_workspace` holds it.
  (cd "$HOME" && env -u CARGO_TARGET_DIR \
    cargo install cargo-contract --version "$CARGO_CONTRACT_VERSION" --locked)
}

ensure_toolchain() {
  ensure_rust
  have_cargo_contract || install_cargo_contract
  echo "==> cargo-contract $(cargo contract --version | awk '{print $2}')"
}

# start_cargo_contract_install: when cargo-contract is missing, installs it in the background
# (log: $CARGO_TARGET_DIR/cargo-contract-install.log) so that it overlaps `build_workspace`,
# which does not need it; `wait_cargo_contract_install` waits for it. On 2 cores the overlap
# saves the time each build leaves a core idle (links, single-crate stretches).
CARGO_CONTRACT_INSTALL_PID=""
start_cargo_contract_install() {
  have_cargo_contract && return 0
  mkdir -p "$CARGO_TARGET_DIR"
  local log="$CARGO_TARGET_DIR/cargo-contract-install.log"
  echo "==> cargo-contract $CARGO_CONTRACT_VERSION is missing: installing it in the background" \
    "while the workspace builds (log: $log)"
  install_cargo_contract > "$log" 2>&1 &
  CARGO_CONTRACT_INSTALL_PID=$!
}

wait_cargo_contract_install() {
  [ -n "$CARGO_CONTRACT_INSTALL_PID" ] || return 0
  echo "==> waiting for the cargo-contract install"
  if ! wait "$CARGO_CONTRACT_INSTALL_PID"; then
    echo "error: installing cargo-contract failed; see $CARGO_TARGET_DIR/cargo-contract-install.log" >&2
    return 1
  fi
  CARGO_CONTRACT_INSTALL_PID=""
}

# build_workspace: compiles everything the scripts run, with clippy's lints as errors on the
# workspace crates. It exports the two variables through which `cargo clippy` itself hands
# clippy-driver to cargo (clippy 1.91's protocol), so every later cargo call of the script
# reuses the same artifacts.
build_workspace() {
  ensure_rust
  RUSTC_WORKSPACE_WRAPPER="$(rustup which --toolchain "$TOOLCHAIN" clippy-driver)"
  export RUSTC_WORKSPACE_WRAPPER
  export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
  echo "==> cargo test --workspace --release --no-run (every package and target; clippy -D warnings)"
  (cd "$REPO_ROOT" && cargo test --workspace --release --no-run --locked)
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

# write_section FILE NAME CONTENT: replaces, in FILE, what lies between `<!-- BEGIN NAME -->`
# and `<!-- END NAME -->` with the file CONTENT (appending the section when FILE lacks it), so
# that several tools keep their own sections of one report (BENCHMARKS.md).
write_section() {
  local file="$1" name="$2" content="$3" tmp
  tmp="$(mktemp)"
  [ -f "$file" ] || : > "$file"
  awk -v name="$name" -v content="$content" '
    function emit() { print "<!-- BEGIN " name " -->"; while ((getline line < content) > 0) print line; print "<!-- END " name " -->"; done = 1 }
    $0 == "<!-- BEGIN " name " -->" { emit(); skip = 1; next }
    $0 == "<!-- END " name " -->" { skip = 0; next }
    !skip { print }
    END { if (!done) { if (NR > 0) print ""; emit() } }
  ' "$file" > "$tmp"
  mv "$tmp" "$file"
}
