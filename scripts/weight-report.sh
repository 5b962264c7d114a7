#!/usr/bin/env bash
# Where ProofManager's code bytes go, and the weight targets of issue 15, before and after:
# writes two sections of BENCHMARKS.md.
#   size     the optimized proof_manager.wasm by module and its largest functions, built from
#            BEFORE_REV and from the working tree (`cargo contract build --release
#            --keep-debug-symbols`: the same wasm-opt run, names kept, then read with
#            `wasm-objdump`; the code is byte for byte the one of the release bundle)
#   targets  the issue's targets against the contract section of BENCHMARKS.md at BEFORE_REV
#            and the one in the working tree (run scripts/bench.sh first)
# Every byte of the blob costs 33,471 ref_time on every call, executed or not (README.md,
# Benchmarks), which is why the table counts bytes of every kind.
# Env: BEFORE_REV (default: the commit the issue's "before" figures were measured on),
#      CARGO_TARGET_DIR (see scripts/env.sh). Leaves the release bundle as scripts/build.sh
#      builds it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
ensure_toolchain
for tool in wasm-objdump wasm-strip; do
  if ! command -v "$tool" >/dev/null; then
    echo "error: $tool is missing: install wabt (Debian: apt-get install wabt)" >&2
    exit 1
  fi
done
# efe59f7: main when issue 15 was taken up; its BENCHMARKS.md holds the issue's figures.
BEFORE_REV="${BEFORE_REV:-efe59f7}"
work="$CARGO_TARGET_DIR/weight-report"
rm -rf "$work"
mkdir -p "$work/before-src"

# build_bundle DIR [FLAGS...]: cargo contract build of the crate in DIR. cargo-contract skips
# wasm-opt when cargo's wasm is unchanged and a bundle exists, even one built with other
# wasm-opt settings, so the bundle goes first.
build_bundle() {
  local dir="$1"
  shift
  echo "==> cargo contract build --release $* ($dir)"
  rm -f "$CARGO_TARGET_DIR/ink/proof_manager.wasm"
  cargo contract build --release --quiet "$@" --manifest-path "$dir/Cargo.toml"
}

# named_wasm DIR OUT: the optimized proof_manager.wasm of the crate in DIR, with its names.
named_wasm() {
  build_bundle "$1" --keep-debug-symbols
  cp "$CARGO_TARGET_DIR/ink/proof_manager.wasm" "$2"
}

git archive "$BEFORE_REV" | tar -x -C "$work/before-src"
named_wasm "$work/before-src" "$work/before.wasm"
named_wasm "$REPO_ROOT" "$work/after.wasm"
# The release bundle again, without names.
build_bundle "$REPO_ROOT"
cp "$CARGO_TARGET_DIR/ink/proof_manager.wasm" "$work/after-release.wasm"
for side in before after; do
  wasm-objdump -h "$work/$side.wasm" > "$work/$side.sections"
  wasm-objdump -x -j Code "$work/$side.wasm" > "$work/$side.code"
  # What the release bundle of that side weighs: the same module without its name section.
  cp "$work/$side.wasm" "$work/$side-stripped.wasm"
  wasm-strip "$work/$side-stripped.wasm"
done
if ! cmp -s "$work/after-stripped.wasm" "$work/after-release.wasm"; then
  echo "error: the named build's code differs from the release bundle's" >&2
  exit 1
fi
git show "$BEFORE_REV:BENCHMARKS.md" > "$work/before.md"
python3 scripts/weight_report.py "$work" "$BEFORE_REV" "$REPO_ROOT/BENCHMARKS.md"
write_section BENCHMARKS.md size "$work/size.md"
write_section BENCHMARKS.md targets "$work/targets.md"
echo "==> written: BENCHMARKS.md (sections size, targets)"

