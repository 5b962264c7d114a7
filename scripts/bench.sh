#!/usr/bin/env bash
# Benchmarks ProofManager on drink's embedded chain (release bundles) and prints a markdown
# report: every message against a PSP22 transfer, growth with N = 10 ... 10,000 requests held,
# the purge, code size and block capacity (see e2e/src/bin/bench.rs).
#   scripts/bench.sh           full run (N up to 10,000, a few minutes); writes its section of
#                              BENCHMARKS.md
#   scripts/bench.sh --quick   N up to 100; what scripts/test.sh runs so the benchmark never rots;
#                              writes $CARGO_TARGET_DIR/bench-quick.md, not the committed report
# Env: BENCH_OUT (report file; defaults above), CARGO_TARGET_DIR (see scripts/env.sh),
#      SKIP_BUILD=1 to reuse the bundles already built (scripts/test.sh has just built them).
# The benchmark binary comes from build_workspace (scripts/env.sh), like every test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
mode=()
default_out="$REPO_ROOT/BENCHMARKS.md"
case "${1:-}" in
  --quick) mode=(--quick); default_out="$CARGO_TARGET_DIR/bench-quick.md" ;;
  "") ;;
  *) echo "usage: scripts/bench.sh [--quick]" >&2; exit 2 ;;
esac
BENCH_OUT="${BENCH_OUT:-$default_out}"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  bash scripts/build.sh
fi
build_workspace >/dev/null
date="$(date -u +%F)"
echo "==> bench ${mode[*]} --out $BENCH_OUT --date $date"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
"$CARGO_TARGET_DIR/release/bench" "${mode[@]}" --out "$report" --date "$date"
# The contract's section of the report; the off-chain tools keep theirs (scripts/*-bench.sh).
write_section "$BENCH_OUT" contract "$report"
echo "==> written: $BENCH_OUT (section contract)"
