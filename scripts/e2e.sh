#!/usr/bin/env bash
# Runs the ink_e2e suite (e2e/tests/ink_e2e): the same test bodies on two backends.
#   sandbox  ink_e2e's in-process runtime: always.
#   node     a substrate-contracts-node per test (through scripts/loopback-node.sh): when
#            CONTRACTS_NODE_BIN or CONTRACTS_NODE is set or substrate-contracts-node is on PATH.
# At test start ink_e2e builds every contract of the workspace itself (debug mode, with
# cargo-contract's library). So the test binary is built first and then run directly, with no
# outer cargo holding the build-directory lock, and the contracts go to a target dir of their
# own, apart from the release bundles of scripts/build.sh.
# Env: CARGO_TARGET_DIR (the test binary; see scripts/env.sh),
#      E2E_CONTRACTS_TARGET_DIR (ink_e2e's contract builds;
#        default ~/.cache/proof-manager-ink/e2e-contracts),
#      CONTRACTS_NODE_BIN or CONTRACTS_NODE (the node binary; default substrate-contracts-node on
#        PATH; see contracts_node in scripts/env.sh).
# The toolchain comes from rust-toolchain.toml; cargo-contract itself is not needed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
E2E_CONTRACTS_TARGET_DIR="${E2E_CONTRACTS_TARGET_DIR:-$HOME/.cache/proof-manager-ink/e2e-contracts}"
# cargo-contract's library builds each contract from a copy of its manifest in /tmp, out of reach
# of rust-toolchain.toml; without this the copies would build with rustup's default toolchain.
RUSTUP_TOOLCHAIN="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"
export RUSTUP_TOOLCHAIN

backends=(sandbox)
if node="$(contracts_node 2>/dev/null)"; then
  backends+=(node)
  # ink_e2e spawns $CONTRACTS_NODE per test; the wrapper keeps its networking on loopback.
  export CONTRACTS_NODE_BIN="$node" CONTRACTS_NODE="$REPO_ROOT/scripts/loopback-node.sh"
fi

echo "==> cargo test --release -p proof_manager_e2e --features e2e-tests --test ink_e2e --no-run"
binary="$(cargo test --release -p proof_manager_e2e --features e2e-tests --test ink_e2e --no-run \
  --message-format=json-render-diagnostics |
  jq -r 'select(.profile.test == true and .target.name == "ink_e2e") | .executable')"
[ -x "$binary" ] || { echo "error: no ink_e2e test binary was built" >&2; exit 1; }

if [ "${#backends[@]}" -eq 1 ]; then
  echo "==> node backend SKIPPED: no substrate-contracts-node on PATH or in CONTRACTS_NODE" \
    "(scripts/install-node.sh installs it)"
fi
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
count='/^test result:/ { passed += $4; failed += $6 } END { printf "%d passed, %d failed\n", passed, failed }'
status=0
for backend in "${backends[@]}"; do
  description="ink_e2e's sandbox runtime"
  if [ "$backend" = node ]; then
    description="$node ($("$node" --version)) through scripts/loopback-node.sh"
  fi
  echo "==> $backend backend: $description"
  echo "    contracts build in debug mode into $E2E_CONTRACTS_TARGET_DIR"
  start=$(date +%s)
  # ink_e2e finds the contracts with `cargo metadata` in the current directory: every package
  # with an `ink-as-dependency` feature, the registry crate psp22 included. The casts in psp22's
  # derived codecs fail cargo-contract's mandatory clippy lints, so lints only warn in these
  # debug builds; the release builds of scripts/build.sh keep them errors for our contracts.
  (cd e2e && CARGO_TARGET_DIR="$E2E_CONTRACTS_TARGET_DIR" RUSTFLAGS="--cap-lints=warn" \
    "$binary" "$backend::") 2>&1 | tee "$results/$backend" || status=1
  echo "==> $backend backend: $(awk "$count" "$results/$backend") in $(( $(date +%s) - start ))s"
done
echo "==> backends run: ${backends[*]}"
echo "e2e: $(cat "$results"/* | awk "$count")"
exit "$status"
